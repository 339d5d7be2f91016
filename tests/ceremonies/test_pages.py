"""婚丧事 pages through the forms, like a browser without JavaScript (SQLite only: markup): the entries on 首页, the
form kept with its message when a value is wrong, one filing's check over the standards in plain words, an official
filing on a household's behalf, the standards set from their page."""

import re

import pytest

from tests.ceremonies.conftest import day
from tests.shop.pages.conftest import Browser

pytestmark = pytest.mark.sqlite_only

FORM = {"kind": "wedding", "place": "自家院子", "tables": "14", "guests": "80", "cost": "15000", "gift_limit": "300"}


@pytest.fixture
def web(api) -> Browser:
    return Browser(api.client)


def test_entries_on_home(web):
    home = web.sign_in("villager").get("/").text
    assert 'href="/ceremonies"' in home and 'href="/ceremonies/standards"' in home and "/ceremonies/queue" not in home
    assert "/ceremonies/queue" in web.sign_in("committee").get("/").text
    assert web.get("/ceremonies").status_code == 403  # the committee member has no household here


def test_a_wrong_value_keeps_the_form_and_an_over_plan_says_which_lines(web):
    web.sign_in("villager")
    bad = web.post("/ceremonies", {**FORM, "event_date": "2026-13-01", "form_key": "p1"})
    assert bad.status_code == 422 and "请选择办事日期" in bad.text and 'value="自家院子"' in bad.text
    made = web.post("/ceremonies", {**FORM, "event_date": day(2), "note": "<b>x</b>", "form_key": "p2"})
    assert made.status_code == 303
    page = web.get(made.headers["location"]).text
    assert "超过村里标准" in page and "酒席桌数 14，标准不超过 10" in page
    assert "每人礼金（元） 300，标准不超过 200" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert web.get("/ceremonies").text.count('data-testid="my-ceremony"') == 1


def test_an_official_files_for_a_household_and_another_member_acknowledges_it(web, api):
    li = api.get("/me", "volunteer").json()["household_id"]
    web.sign_in("official")
    assert f'<option value="{li}"' in web.get("/ceremonies/new").text
    made = web.post("/ceremonies", {**FORM, "tables": "8", "gift_limit": "100", "event_date": day(),
                                    "household_id": str(li), "form_key": "p3"})
    assert made.status_code == 303
    filing = re.search(r"/ceremonies/(\d+)", made.headers["location"]).group(1)
    page = web.get(f"/ceremonies/{filing}").text
    assert 'data-testid="ceremony-recused"' in page and "/acknowledge" not in page
    web.sign_in("committee")
    assert web.post(f"/ceremonies/{filing}/acknowledge", {"advice": "好"}).status_code == 303
    assert "记录办理结果" in web.get(f"/ceremonies/{filing}").text


def test_the_official_sets_the_standards_on_their_page(web):
    web.sign_in("official")
    r = web.post("/ceremonies/standards", {"max_tables": "8", "max_guests": "80", "max_cost": "15000",
                                           "max_gift": "100", "other_tables": "0", "points": "12"})
    assert r.status_code == 303
    page = web.get("/ceremonies/standards").text
    assert "不超过 8 桌" in page and "按标准办完记 12 分" in page
    web.sign_in("villager")
    assert "不超过 8 桌" in web.get("/ceremonies/standards").text
    assert 'data-testid="standards-form"' not in web.get("/ceremonies/standards").text
    assert web.post("/ceremonies/standards", {"points": "50"}).status_code == 403
