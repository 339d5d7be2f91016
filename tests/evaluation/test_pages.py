"""评比 pages through the forms, like a browser without JavaScript (SQLite only: markup)."""

import re

import pytest
from sqlmodel import select

from app.db import session_for
from app.evaluation.boards import shift_month, this_month
from app.evaluation.models import Criterion, EvaluationRound, Objection, Score
from app.org.models import Household, Role
from tests.conftest import add_person
from tests.evaluation.test_api import heads, set_min_notice_days
from tests.evaluation.test_integrity import join_household
from tests.shop.pages.conftest import PHOTO, Browser

pytestmark = pytest.mark.sqlite_only
THIS = this_month("Asia/Shanghai")
LAST = shift_month(THIS, -1)


@pytest.fixture
def web(api) -> Browser:
    return Browser(api.client)


def round_id(engine, month=THIS) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(EvaluationRound.id).where(EvaluationRound.month == month)).first()


def criterion_id(engine, name) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(Criterion.id).where(Criterion.name == name)).first()


def test_home_shows_the_entries(web):
    assert "/evaluation/score" in web.sign_in("committee").get("/").text
    home = web.sign_in("villager").get("/").text
    assert "/evaluation/board" in home and "/evaluation/points" in home
    assert "/evaluation/criteria" in web.sign_in("official").get("/").text


def test_whole_flow_through_the_pages(web, api, demo_engine):
    h, rid = heads(demo_engine), round_id(demo_engine)
    web.sign_in("committee")
    assert web.get("/evaluation/score").headers["location"] == f"/evaluation/rounds/{rid}"
    page = web.get(f"/evaluation/rounds/{rid}").text
    assert "从第一户开始评分" in page and "平均" in page
    r = web.post(f"/evaluation/rounds/{rid}/scores",
                 {"household_id": h["赵德明"], "criterion_id": criterion_id(demo_engine, "卫生不整洁"), "points": "0",
                  "reason": "<script>alert(1)</script>"}, files={"photo": ("p.jpg", PHOTO.read_bytes(), "image/jpeg")})
    assert r.status_code == 303
    page = web.get(f"/evaluation/rounds/{rid}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    photo = re.search(r'href="(/evaluation/photos/\d+\.jpg)"', page).group(1)
    assert web.get(photo).headers["content-type"] == "image/jpeg"
    web.sign_in("official")
    page = web.get(f"/evaluation/rounds/{rid}").text
    assert "孙老师" in page  # who scored what
    assert "不能少于 3 天" in page and 'min="3"' in page  # the village's shortest 公示, by default
    set_min_notice_days(api, demo_engine, 0)  # the town admin allows a same-day 公示
    assert web.post(f"/evaluation/rounds/{rid}/publish", {"notice_days": "0"}).status_code == 303
    web.sign_in("villager")
    page = web.get(f"/evaluation/rounds/{rid}").text
    line = re.search(r'赵\*明家.*?id="line-(\d+)"', page, re.S).group(1)
    key = {"form_key": "same-tap"}
    for _ in range(2):  # a double tap files one objection
        web.post(f"/evaluation/rounds/{rid}/lines/{line}/objections", {"text": "他家已经打扫了", **key})
    with session_for(demo_engine, write=False) as s:
        objections = s.exec(select(Objection).where(Objection.round_id == rid)).all()
    assert len(objections) == 1
    web.sign_in("official")
    assert "还有 1 条异议没有答复" in web.get(f"/evaluation/rounds/{rid}").text
    r = web.post(f"/evaluation/rounds/{rid}/objections/{objections[0].id}/answer",
                 {"answer": "核实属实，撤下黑榜", "remove_from_list": "1"})
    assert r.status_code == 303
    r = web.post(f"/evaluation/rounds/{rid}/finalize")
    assert r.status_code == 303 and "/evaluation/board" in r.headers["location"]
    web.sign_in("villager")
    page = web.get(f"/evaluation/rounds/{rid}").text
    assert "核实属实，撤下黑榜" in page and "已更正" in page
    board = web.get(f"/evaluation/board?month={THIS}").text
    assert "王建国家" in board  # his own household's 庭院整洁 (the demo's score) on the red list, in full to him
    assert "本月没有上黑榜的农户" in board
    wall = web.get(f"/evaluation/board/print?month={THIS}").text
    assert "王*国家" in wall and "王建国家" not in wall  # the sheet for the wall names nobody in full (#18)
    web.sign_in("volunteer")  # another household of the village
    board = web.get(f"/evaluation/board?month={THIS}").text
    assert "王*国家" in board and "王建国家" not in board


def test_board_print_and_followup(web, demo_engine):
    h = heads(demo_engine)
    web.sign_in("villager")
    board = web.get("/evaluation/board").text  # the latest final month by default
    assert "李*英" in board and "赵*明" in board and "打印上墙" in board
    assert "记录走访" not in board
    sheet = web.get(f"/evaluation/board/print?month={LAST}").text
    assert "文明新风红黑榜" in sheet and "print-sheet" in sheet
    web.sign_in("official")
    rid = round_id(demo_engine, LAST)
    r = web.post(f"/evaluation/rounds/{rid}/follow-ups", {"household_id": h["赵德明"], "visited_by": "张书记",
                                                          "change": "院子收拾干净了", "transformed": "1",
                                                          "form_key": "k1"})
    assert r.status_code == 303
    board = web.get(f"/evaluation/board?month={LAST}").text
    assert "已教育转化，移出黑榜" in board and "院子收拾干净了" in board


def test_coverage_for_the_town(web):
    page = web.sign_in("town_admin").get("/evaluation/coverage").text
    assert "清河镇" in page and "示范村" in page and "邻村" in page and "60%" in page
    assert web.sign_in("villager").get("/evaluation/coverage").status_code == 403


def test_points_notice_page(web):
    page = web.sign_in("volunteer").get("/evaluation/points").text
    assert "王*国" in page and "王建国" not in page.split("</header>")[1]
    own = web.sign_in("villager").get("/evaluation/points").text  # his own household in full to him (#18)
    assert "王建国" in own.split("</header>")[1] and "王*国" not in own
    assert "村积分预算还剩" in page and "评比" in page


def test_criteria_page_and_add(web, demo_engine):
    web.sign_in("official")
    page = web.get("/evaluation/criteria").text
    assert "孝老爱亲" in page and "不能修改，只能停用" in page
    r = web.post("/evaluation/criteria", {"category": "law", "name": "<b>守法</b>", "points": "3", "list_kind": "",
                                          "form_key": "x"})
    assert r.status_code == 303
    assert "&lt;b&gt;守法&lt;/b&gt;" in web.get("/evaluation/criteria").text


def test_neighbour_sees_nothing(web, demo_engine):
    rid = round_id(demo_engine)
    web.sign_in("neighbour")
    assert web.get(f"/evaluation/rounds/{rid}").status_code == 404
    with session_for(demo_engine, write=False) as s:
        village = s.exec(select(Household.village_id).where(Household.head_name == "王建国")).one()
        photo_score = s.exec(select(Score)).first()
    assert web.get(f"/evaluation/board?village_id={village}").status_code == 404
    assert web.get(f"/evaluation/points?village_id={village}").status_code == 404
    assert photo_score is not None
    assert web.get("/evaluation/rounds/99999999999").status_code == 404


def test_audit_log_tells_the_round(web, api, demo_engine):
    cid = criterion_id(demo_engine, "门前三包落实")
    assert api.patch(f"/criteria/{cid}", "official", json={"points": 4, "name": "门前三包"}).status_code == 200
    page = web.sign_in("official").get("/admin/audit").text
    log = page
    more_link = r'id="audit-more"><a class="btn ghost block" href="([^"]+)"'
    while (more := re.search(more_link, page)) and len(log) < 2_000_000:
        page = web.get(more.group(1).replace("&amp;", "&")).text  # 加载更多, as the official taps it
        log += page
    for label in ("评分", "评比公示", "评比定榜", "开始评比", "修改评比项目"):
        assert label in log


def test_home_card_tells_the_news(web, api, demo_engine):
    card = web.sign_in("villager").get("/evaluation/home-card").text
    assert f"{int(LAST[5:])}月红黑榜已公布" in card and "正在公示" not in card
    assert "正在评分" in web.sign_in("committee").get("/evaluation/home-card").text
    api.post(f"/evaluations/{round_id(demo_engine)}/publish", "official", json={"notice_days": 3})
    assert "正在公示" in web.sign_in("villager").get("/evaluation/home-card").text
    assert 'hx-get="/evaluation/home-card"' in web.get("/").text


def test_waiting_award_page(web, api, demo_engine):
    hid = heads(demo_engine)["赵德明"]
    web.sign_in("official")
    r = web.post(f"/admin/households/{hid}/awards", {"points": "300", "reason": "<i>抢险</i>", "form_key": "w1"})
    assert "done=pending" in r.headers["location"]
    assert "超过本村奖励限额" in web.get(r.headers["location"]).text
    page = web.get("/evaluation/awards").text
    assert "&lt;i&gt;抢险&lt;/i&gt;" in page and "回避：由其他村干部或乡镇管理员批准" in page and "批准发放" not in page
    web.sign_in("town_admin")
    page = web.get("/evaluation/awards").text
    request_id = re.search(r'/evaluation/awards/(\d+)/approve', page).group(1)
    assert web.post(f"/evaluation/awards/{request_id}/approve").status_code == 303
    assert "没有等待批准的奖励" in web.get("/evaluation/awards").text
    assert api.get(f"/households/{hid}", "official").json()["balance"] == 380
    assert web.post("/evaluation/awards/limits", {"village_id": heads_village(demo_engine), "single_limit": "300",
                                                  "monthly_limit": "900"}).status_code == 303
    assert "每笔积分不超过 300 分" in web.get("/evaluation/awards").text


def heads_village(engine) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(Household.village_id).where(Household.head_name == "赵德明")).one()


def test_typed_text_is_shown_as_text(web, api, demo_engine):
    h, rid = heads(demo_engine), round_id(demo_engine)
    api.post(f"/evaluations/{rid}/publish", "official", json={"notice_days": 3})
    line = api.get(f"/evaluations/{rid}", "villager").json()["lines"][0]["id"]
    obj = api.post(f"/evaluations/{rid}/lines/{line}/objections", "villager",
                   json={"text": "<script>alert('o')</script>"}).json()
    api.post(f"/evaluations/{rid}/objections/{obj['id']}/answer", "official",
             json={"answer": "<img src=x onerror=alert(1)>", "corrected_points": 1})
    page = web.sign_in("villager").get(f"/evaluation/rounds/{rid}").text
    assert "&lt;script&gt;alert(&#39;o&#39;)&lt;/script&gt;" in page and "<script>alert(" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    last = api.get(f"/villages/{heads_village(demo_engine)}/red-black-list?month={LAST}", "official").json()
    api.post(f"/evaluations/{last['round_id']}/households/{h['赵德明']}/follow-ups", "official",
             json={"visited_by": "<b>张</b>", "change": "<script>x()</script>"})
    board = web.get(f"/evaluation/board?month={LAST}").text
    assert "&lt;b&gt;张&lt;/b&gt;" in board and "&lt;script&gt;x()&lt;/script&gt;" in board


def test_round_page_shows_who_recuses(web, api, demo_engine):
    h, rid = heads(demo_engine), round_id(demo_engine)
    join_household(demo_engine, "committee", "王建国")
    page = web.sign_in("committee").get(f"/evaluation/rounds/{rid}").text
    own = re.search(rf'data-household="{h["王建国"]}">(.*?)</li>', page, re.S).group(1)
    assert "回避：孙老师" in own and "（您家）" in own and "评分 ›" not in own  # his own name in full to him (#18)
    other = re.search(rf'data-household="{h["李秀英"]}">(.*?)</li>', page, re.S).group(1)
    assert "回避" not in other and f"/evaluation/rounds/{rid}/households/{h['李秀英']}/score" in other
    assert f"/households/{h['王建国']}/score" not in page  # not offered anywhere on the page
    # the demo's score of 王建国 (from before he joined) can no longer be changed or deleted from the page
    assert "删除这条评分" in page and page.count("删除这条评分") == 1  # 李秀英's only
    assert "回避：孙*师" in web.sign_in("official").get(f"/evaluation/rounds/{rid}").text  # staff see it too
    api.post(f"/evaluations/{rid}/publish", "official", json={"notice_days": 3})
    results = web.sign_in("villager").get(f"/evaluation/rounds/{rid}").text.split('id="results"')[1]
    assert re.search(r"王建国家.*?回避：孙\*师", results, re.S)  # the villager's own household in full to him


def test_publish_form_and_correction_bounds(web, api, demo_engine):
    rid = round_id(demo_engine)
    page = web.sign_in("official").get(f"/evaluation/rounds/{rid}").text
    assert re.search(r'id="notice-days"[^>]*min="3"[^>]*value="7"', page) and "不能少于 3 天" in page
    api.client.put(f"/api/v1/villages/{heads_village(demo_engine)}/evaluation-settings",
                   headers=api.headers("town_admin"), json={"min_notice_days": 10})
    page = web.get(f"/evaluation/rounds/{rid}").text
    assert re.search(r'id="notice-days"[^>]*min="10"[^>]*value="10"', page) and "不能少于 10 天" in page
    assert web.post(f"/evaluation/rounds/{rid}/publish", {"notice_days": "9"}).status_code == 422
    assert web.post(f"/evaluation/rounds/{rid}/publish", {"notice_days": "10"}).status_code == 303
    line = api.get(f"/evaluations/{rid}", "villager").json()["lines"][0]["id"]
    api.post(f"/evaluations/{rid}/lines/{line}/objections", "villager", json={"text": "不对"})
    page = web.get(f"/evaluation/rounds/{rid}").text
    assert re.search(r'name="corrected_points"[^>]*max="5"', page) and "0 到 5" in page


def test_finalised_round_tells_the_waiting_credits(web, api, demo_engine):
    rid = round_id(demo_engine)
    join_household(demo_engine, "official", "王建国")
    set_min_notice_days(api, demo_engine, 0)
    web.sign_in("official")
    web.post(f"/evaluation/rounds/{rid}/publish", {"notice_days": "0"})
    r = web.post(f"/evaluation/rounds/{rid}/finalize")
    assert r.headers["location"] == f"/evaluation/rounds/{rid}?done=final_pending"
    page = web.get(r.headers["location"]).text
    assert "待审批：1 户积分超过限额或需回避" in page and "/evaluation/awards" in page


def test_hub_offers_this_month_and_the_last(web, demo_engine):
    official = add_person(demo_engine, phone="13900000120", name="陈书记", role=Role.official, unit="邻村")
    page = web.sign_in(official).get("/evaluation").text  # 邻村 has no round yet: this month is offered
    assert f'min="{LAST}"' in page and f'max="{THIS}"' in page and "更早的月份请乡镇管理员开始" in page
    assert f'type="month" value="{THIS}"' in page
    page = web.sign_in("town_admin").get("/evaluation").text
    assert "开始新一轮评比" in page and f'min="{LAST}"' not in page


def test_points_notice_lists_rule_changes(web, api, demo_engine):
    assert "这个月积分规则没有变动" in web.sign_in("villager").get("/evaluation/points").text
    api.client.put(f"/api/v1/villages/{heads_village(demo_engine)}/award-limits", headers=api.headers("town_admin"),
                   json={"single_limit": 250, "monthly_limit": 600})
    page = web.get("/evaluation/points").text
    change = re.search(r'data-testid="rule-change">(.*?)</li>', page, re.S).group(1)
    for text in ("设置积分奖励限额", "单笔限额：200 → 250", "每户每月限额：500 → 600", "经办：乡镇管理员 周镇长"):
        assert text in change


class TestNewRoundMonth:
    """Issue #18: 开始新一轮评比 offers a month that has no round yet — never one already open (a 409)."""

    def test_with_this_and_last_month_taken_the_official_is_told_so(self, web):
        hub = web.sign_in("official").get("/evaluation").text  # the demo: last month final, this month scoring
        assert 'id="round-month"' not in hub and "本月和上个月的评比都已经开始了" in hub

    def test_the_town_admin_is_offered_the_latest_month_without_one(self, web, demo_engine):
        with session_for(demo_engine, write=False) as s:
            village = s.exec(select(EvaluationRound.village_id)).first()
        hub = web.sign_in("town_admin").get(f"/evaluation?village_id={village}").text
        offered = re.search(r'id="round-month" name="month" type="month" value="([0-9-]+)"', hub).group(1)
        assert offered == shift_month(THIS, -2)
