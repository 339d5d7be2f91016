"""评分表: a committee member scores one household's criteria at once (SQLite only: pages). Scores saved through the
round's service, refusals beside their rows with nothing saved, one's own household never offered, a double tap
saving once, a cleared score taken back, typed text shown as text."""

import re

import pytest
from sqlmodel import func, select

from app.audit.models import AuditEntry
from app.db import session_for
from app.evaluation.models import Criterion, EvidencePhoto, Score
from tests.evaluation.test_api import heads
from tests.evaluation.test_integrity import join_household
from tests.evaluation.test_pages import round_id
from tests.shop.pages.conftest import PHOTO, Browser

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def web(api) -> Browser:
    return Browser(api.client)


def crit(engine) -> dict[str, int]:
    with session_for(engine, write=False) as s:
        return {c.name: c.id for c in s.exec(select(Criterion))}


def scores(engine, household: int) -> dict[int, Score]:
    with session_for(engine, write=False) as s:
        return {x.criterion_id: x for x in s.exec(select(Score).where(Score.household_id == household))}


def count(engine, model, *where) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def grid_url(engine, head: str) -> str:
    return f"/evaluation/rounds/{round_id(engine)}/households/{heads(engine)[head]}/score"


def rows(engine, **typed) -> dict:
    """The form as the page sends it: every criterion's row marker, with the points and reasons given."""
    data = {f"row-{cid}": "1" for cid in crit(engine).values()}
    for cid, (points, reason) in typed.items():
        data[f"points-{cid}"], data[f"reason-{cid}"] = points, reason
    return data


def test_grid_shows_every_criterion_by_category(web, demo_engine):
    web.sign_in("committee")
    page = web.get(grid_url(demo_engine, "李秀英"))
    assert page.status_code == 200
    html = page.text
    assert html.count('data-testid="grid-row"') == 14 and "保存这一户" in html
    legends = re.findall(r"<legend>(.*?)</legend>", html)
    assert legends == ["勤劳致富", "孝老爱亲", "移风易俗", "环保卫生", "遵纪守法", "热心公益"]
    c = crit(demo_engine)
    assert re.search(rf'name="points-{c["家庭和睦、邻里互助"]}"[^>]*\s+value="5"', html, re.S)  # the demo's score
    assert f'type="checkbox" name="points-{c["卫生不整洁"]}" value="0"' in html  # a 0-point item is a choice
    assert 'accept="image/*" capture="environment"' in html and 'class="btn photo-btn"' in html
    assert "下一户" in html and 'data-testid="next-household"' in html
    round_page = web.get(f"/evaluation/rounds/{round_id(demo_engine)}").text
    assert grid_url(demo_engine, "李秀英") in round_page and "score-criterion" not in round_page


def test_saves_the_changed_rows_with_a_photo(web, demo_engine):
    c, li = crit(demo_engine), heads(demo_engine)["李秀英"]
    logged = count(demo_engine, AuditEntry, AuditEntry.action == "evaluation.score")
    web.sign_in("committee")
    form = rows(demo_engine, **{str(c["赡养老人尽心"]): ("10", "常年照顾卧床的婆婆"),
                                str(c["卫生不整洁"]): ("0", "<script>alert(1)</script>")})
    form |= {f"points-{c['家庭和睦、邻里互助']}": "5", f"reason-{c['家庭和睦、邻里互助']}": "帮邻居收玉米",
             "form_key": "grid-1"}
    r = web.post(grid_url(demo_engine, "李秀英"), form,
                 files={f"photo-{c['赡养老人尽心']}": ("p.jpg", PHOTO.read_bytes(), "image/jpeg")})
    assert r.status_code == 303 and r.headers["location"].endswith("/score?done=score")
    saved = scores(demo_engine, li)
    assert saved[c["赡养老人尽心"]].points == 10 and saved[c["赡养老人尽心"]].photo_id is not None
    assert saved[c["卫生不整洁"]].points == 0
    assert count(demo_engine, AuditEntry, AuditEntry.action == "evaluation.score") == logged + 2  # not the same 5
    page = web.get(r.headers["location"]).text
    assert "已保存这一户的评分" in page and "已有照片" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_a_refused_row_is_said_beside_it_and_nothing_is_saved(web, demo_engine):
    c, li = crit(demo_engine), heads(demo_engine)["李秀英"]
    before = {k: (s.points, s.reason) for k, s in scores(demo_engine, li).items()}
    web.sign_in("committee")
    form = rows(demo_engine, **{str(c["赡养老人尽心"]): ("11", "太好了"), str(c["参加志愿服务"]): ("5", "送菜"),
                                str(c["门前三包落实"]): ("2", "")})
    r = web.post(grid_url(demo_engine, "李秀英"), form | {"form_key": "grid-bad"})
    assert r.status_code == 422
    errors = {}
    for row in r.text.split('data-testid="grid-row"')[1:]:
        said = re.search(r'data-testid="row-error">([^<]*)<', row)
        if said:
            errors[re.match(r'\s*data-criterion="(\d+)"', row).group(1)] = said.group(1)
    assert errors[str(c["赡养老人尽心"])] == "这一项的分数应在 0 到 10 之间"
    assert "理由" in errors[str(c["门前三包落实"])]
    assert str(c["参加志愿服务"]) not in errors and "都没有保存" in r.text
    assert 'value="送菜"' in r.text  # what was typed stays
    assert {k: (s.points, s.reason) for k, s in scores(demo_engine, li).items()} == before


def test_own_household_is_not_offered_and_refused(web, demo_engine):
    join_household(demo_engine, "committee", "王建国")
    web.sign_in("committee")
    page = web.get(grid_url(demo_engine, "李秀英")).text
    assert grid_url(demo_engine, "王建国") not in page and "第 1 / 2 户" in page
    refused = web.get(grid_url(demo_engine, "王建国"))
    assert refused.status_code == 403 and "回避" in refused.text
    c = crit(demo_engine)
    posted = web.post(grid_url(demo_engine, "王建国"),
                      rows(demo_engine, **{str(c["门前三包落实"]): ("3", "自家")}) | {"form_key": "own"})
    assert posted.status_code == 403
    assert c["门前三包落实"] not in scores(demo_engine, heads(demo_engine)["王建国"])


def test_a_double_tap_saves_once(web, demo_engine):
    c, zhao = crit(demo_engine), heads(demo_engine)["赵德明"]
    logged = count(demo_engine, AuditEntry, AuditEntry.action == "evaluation.score", AuditEntry.target_id == zhao)
    web.sign_in("committee")
    form = rows(demo_engine, **{str(c["参加志愿服务"]): ("5", "送菜")}) | {"form_key": "grid-twice"}
    photo = {f"photo-{c['参加志愿服务']}": ("p.jpg", PHOTO.read_bytes(), "image/jpeg")}
    first = web.post(grid_url(demo_engine, "赵德明"), form, files=photo)
    again = web.post(grid_url(demo_engine, "赵德明"), form, files=photo)
    assert first.status_code == again.status_code == 303
    assert count(demo_engine, AuditEntry, AuditEntry.action == "evaluation.score",
                 AuditEntry.target_id == zhao) == logged + 1
    assert count(demo_engine, EvidencePhoto) == 1


def test_clearing_a_score_takes_it_back(web, demo_engine):
    c, li = crit(demo_engine), heads(demo_engine)["李秀英"]
    assert c["家庭和睦、邻里互助"] in scores(demo_engine, li)
    web.sign_in("committee")
    r = web.post(grid_url(demo_engine, "李秀英"), rows(demo_engine) | {"form_key": "clear"})
    assert r.status_code == 303 and c["家庭和睦、邻里互助"] not in scores(demo_engine, li)


def test_only_the_committee_scores(web, demo_engine):
    assert web.sign_in("official").get(grid_url(demo_engine, "李秀英")).status_code == 403
    assert web.sign_in("neighbour").get(grid_url(demo_engine, "李秀英")).status_code == 404


def test_odd_input_is_refused_in_words_never_a_500(web, demo_engine):
    c = crit(demo_engine)
    web.sign_in("committee")
    url, k = grid_url(demo_engine, "李秀英"), c["门前三包落实"]
    for typed in ({f"row-{k}": "1", f"points-{k}": "abc", f"reason-{k}": "好"},
                  {"row-999999": "1", "points-999999": "1", "reason-999999": "不存在的项目"},
                  {"row-99999999999999999999": "1", "row-0": "1", "points-0": "1"},
                  {f"row-{c['门前三包落实']}": "1", f"points-{c['门前三包落实']}": "1",
                   f"reason-{c['门前三包落实']}": "有照片", f"photo-{c['门前三包落实']}": "not a file"}):
        r = web.post(url, typed | {"form_key": f"odd-{len(typed)}-{next(iter(typed))}"})
        assert r.status_code in (303, 422), (typed, r.status_code)
    bad_photo = web.post(url, {f"row-{c['门前三包落实']}": "1", f"points-{c['门前三包落实']}": "1",
                               f"reason-{c['门前三包落实']}": "照片", "form_key": "odd-photo"},
                         files={f"photo-{c['门前三包落实']}": ("x.jpg", b"not an image", "image/jpeg")})
    assert bad_photo.status_code == 422 and 'data-testid="row-error"' in bad_photo.text
