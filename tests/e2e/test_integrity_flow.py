"""The second person, in a real browser at 390×844 (issue #15): an official's award above the village's limit
waits; on 待批准的积分 the official who proposed it sees 回避 where the approve button would be, the town admin sees
its door and village, changes the village's bounds on the same page and approves it.
Screenshots: test-artifacts/screenshots/integrity-*.png."""

import re

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import fill_award, log_in

pytestmark = pytest.mark.browser


def award_above_the_limit(official, base: str, reason: str) -> None:
    """An official awards 赵德明 300 points (above 示范村's 200) on the household page: it waits."""
    fill_award(official, base, 300, reason)
    official.get_by_role("button", name="确认发放").click()
    official.get_by_text("超过本村奖励限额").wait_for()


def test_the_proposer_recuses_and_the_town_approves(live_server, new_context, shoot):
    base = live_server
    official = new_context().new_page()
    log_in(official, base, DEMO["official"])
    award_above_the_limit(official, base, "抗洪抢险救出邻居")
    official.goto(f"{base}/evaluation/awards")
    row = official.get_by_test_id("waiting-award")
    row.get_by_text("回避：由其他村干部或乡镇管理员批准").wait_for()
    assert row.get_by_role("button", name="批准发放").count() == 0
    assert official.get_by_text("修改规则上限").count() == 0  # the bounds are the town's
    shoot(official, "integrity-awards-recused")

    town = new_context().new_page()
    log_in(town, base, DEMO["town_admin"], to="/evaluation/awards")
    town.get_by_test_id("waiting-award").get_by_text(re.compile("直接奖励")).wait_for()
    town.get_by_test_id("waiting-award").get_by_text(re.compile("示范村")).wait_for()
    policy = town.get_by_test_id("village-policy").filter(has_text="示范村")
    policy.get_by_text("修改规则上限").click()
    policy.get_by_label("评比最短公示天数").fill("5")
    policy.get_by_role("button", name="保存").last.click()
    town.get_by_text("规则上限已保存").wait_for()
    town.get_by_test_id("village-policy").filter(has_text="示范村").get_by_text(re.compile("不少于 5 天")).wait_for()
    shoot(town, "integrity-awards-town")
    town.once("dialog", lambda dialog: dialog.accept())  # it asks once (issue #18)
    town.get_by_role("button", name="批准发放").click()
    town.get_by_text("已批准，积分已发放").wait_for()
