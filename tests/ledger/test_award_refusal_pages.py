"""Pending looks pending (issue #18): the household page shows its waiting awards in amber with who may approve,
and refused ones with why; the approver's page names the village, household, source, proposer and why it waits,
and approves (asking once) or refuses with a reason; the villager's 积分 shows what waits; 公示, 定榜 and a large
核销 ask once with what will happen (SQLite only: markup; the basket's in tests/shop/pages/)."""

import html
import re

import pytest

from tests.evaluation.test_api import heads, score, set_min_notice_days
from tests.evaluation.test_integrity import demo_round
from tests.ledger.test_award_limits import award, balance, second_official, zhao
from tests.shop.pages.conftest import Browser

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def web(api) -> Browser:
    return Browser(api.client)


def confirm_text(page: str, action: str) -> str:
    """The hx-confirm text of the form posting to `action`."""
    found = re.search(r'<form[^>]*action="' + re.escape(action) + r'"[^>]*hx-confirm="([^"]*)"', page)
    assert found, f"the form for {action} asks nothing"
    return html.unescape(found.group(1))


def test_an_award_over_the_limit_is_amber_with_who_must_act(web, api, demo_engine):
    hid = zhao(demo_engine)
    second_official(demo_engine)  # 王主任: may approve
    web.sign_in("official")
    r = web.post(f"/admin/households/{hid}/awards", {"points": "300", "category": "public_good",
                                                       "reason": "组织修桥"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=pending")
    page = web.get(r.headers["location"]).text
    assert "✓" not in page.split('data-testid="award-pending"')[0].split("</header>")[-1]  # no green tick
    notice = re.search(r'<p class="notice info"[^>]*data-testid="award-pending">([^<]*)</p>', page)
    assert notice and "待审批" in notice.group(1) and "另一位村干部或乡镇管理员批准" in notice.group(1)
    line = page.split('data-testid="pending-award"')[1].split("</li>")[0]
    assert "待审批" in line and "+300" in line and "组织修桥" in line and "直接奖励" in line
    assert "需王主任（村干部）或周镇长（乡镇管理员）批准" in line and "张书记（" not in line  # not the proposer
    assert balance(api, hid) == 80
    # refused: the line turns red with who and why
    rid = api.get("/points/awards/pending", "town_admin").json()["items"][0]["id"]
    api.post(f"/points/awards/{rid}/refuse", "town_admin", json={"reason": "<b>材料</b>不全"})
    page = web.get(f"/admin/households/{hid}?done=pending").text  # a reload of the page the award left on
    assert 'data-testid="pending-award"' not in page and 'data-testid="award-pending"' not in page
    line = page.split('data-testid="refused-award"')[1].split("</li>")[0]
    assert "未批准" in line and "周镇长 不批准" in line and "&lt;b&gt;材料&lt;/b&gt;不全" in line


def test_the_villagers_points_show_what_waits(web, api, demo_engine):
    from tests.pages.conftest import household_id
    hid = household_id(demo_engine, "王建国")
    assert award(api, hid, 250).status_code == 202
    page = web.sign_in("villager").get("/points").text
    line = page.split('data-testid="pending-award"')[1].split("</li>")[0]
    assert "待审批" in line and "+250" in line and "还没有记入余额" in line


def test_the_approvers_page_names_everything_and_refuses_with_a_reason(web, api, demo_engine):
    hid = zhao(demo_engine)
    assert award(api, hid, 300).status_code == 202
    page = web.sign_in("town_admin").get("/evaluation/awards").text
    row = page.split('data-testid="waiting-award"')[1].split("</li>")[0]
    for words in ("示范村", "赵德明家", "+300", "直接奖励", "修桥补路", "张书记", "超过单笔限额 200 分"):
        assert words in row, words
    rid = re.search(r'action="/evaluation/awards/(\d+)/approve"', row).group(1)
    asked = confirm_text(row, f"/evaluation/awards/{rid}/approve")
    assert asked == ("批准后，300 分立即从示范村积分预算发给赵德明家，不能撤回（发错了只能由村干部另行撤销）。"
                     "确定批准发放？")
    assert f'action="/evaluation/awards/{rid}/refuse"' in row and 'name="reason"' in row
    assert web.post(f"/evaluation/awards/{rid}/refuse", {"reason": " "}).status_code == 422
    r = web.post(f"/evaluation/awards/{rid}/refuse", {"reason": "与村规不符"})
    assert r.status_code == 303 and r.headers["location"] == "/evaluation/awards?done=refuse"
    page = web.get(r.headers["location"]).text
    assert "已不批准" in page and 'data-testid="waiting-award"' not in page
    assert balance(api, hid) == 80
    # the proposer sees it but may not decide it
    assert award(api, hid, 301).status_code == 202
    page = web.sign_in("official").get("/evaluation/awards").text
    assert 'data-testid="recused"' in page and "/refuse" not in page
    assert web.post(f"/evaluation/awards/{int(rid) + 1}/refuse", {"reason": "自己不批"}).status_code == 403
    log = web.sign_in("official").get("/admin/audit").text
    assert "不批准积分奖励</strong> 农户 赵德明" in log and "与村规不符" in log


def test_the_audit_lines_of_a_waiting_and_a_refused_award(web, api, demo_engine):
    hid = zhao(demo_engine)
    other = second_official(demo_engine)
    rid = award(api, hid, 300).json()["id"]
    api.post(f"/points/awards/{rid}/refuse", other, json={"reason": "重复申报"})
    log = web.sign_in("official").get("/admin/audit").text
    entry = log.split("不批准积分奖励</strong>")[1].split("</li>")[0]
    assert "+300 分" in entry and "来源：直接奖励" in entry and "重复申报" in entry and "王主任" in entry
    entry = log.split("提交积分奖励待批准</strong>")[1].split("</li>")[0]
    assert "+300 分" in entry and "超过单笔限额 200 分" in entry and "张书记" in entry


def test_publish_and_finalise_ask_once_with_what_will_happen(web, api, demo_engine):
    h = heads(demo_engine)
    rid = demo_round(demo_engine)  # 王建国 and 李秀英 have 5 each
    score(api, rid, h["赵德明"], "参加志愿服务", 5)
    page = web.sign_in("official").get(f"/evaluation/rounds/{rid}").text
    assert "不能再改分" in confirm_text(page, f"/evaluation/rounds/{rid}/publish")
    set_min_notice_days(api, demo_engine, 0)
    assert web.post(f"/evaluation/rounds/{rid}/publish", {"notice_days": "0"}).status_code == 303
    page = web.get(f"/evaluation/rounds/{rid}").text
    assert confirm_text(page, f"/evaluation/rounds/{rid}/finalize") == (
        "定榜后积分将发放给 3 户，共 15 分，同时公布本月红黑榜，不能撤回。确定定榜？")
