"""中心 and 所 act (issue #20 item 5), in three phones at 390×844: the town admin appoints a township volunteer (陈志强
of 邻村) and forms the 所's team, a villager of 示范村 orders the 所's 政策宣讲进院坝, the town admin dispatches it from
the 所's board, the volunteer accepts it; the village official's board lists it read-only."""

import re

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import log_in, shoot_both

pytestmark = pytest.mark.browser


def test_the_town_admin_dispatches_a_township_service(live_server, new_context, shoot):
    base = live_server
    town, villager, chen, official = (new_context().new_page() for _ in range(4))
    for page, who in ((town, "town_admin"), (villager, "villager"), (chen, "neighbour"), (official, "official")):
        log_in(page, base, DEMO[who])

    # 人员管理: the township's page appoints 陈志强 (a villager of 邻村, already signed up) a volunteer of the 所.
    town.goto(f"{base}/org")
    town.wait_for_url(re.compile(r"/org/units/\d+"))
    town.get_by_label("职务").select_option(label="志愿者")
    town.get_by_label("手机号").fill(DEMO["neighbour"])
    town.get_by_label("姓名").fill("陈志强")
    town.get_by_role("button", name="任命").click()
    town.wait_for_url(re.compile(r"\?done=appoint$"))

    # The 所's board: its team, formed of its own volunteers.
    town.goto(f"{base}/service")
    town.get_by_test_id("centre-link").click()
    town.wait_for_url(f"{base}/service/centre")
    town.locator("#centre-teams summary", has_text="成立志愿队").click()
    town.get_by_label("志愿队名称").fill("清河镇宣讲队")
    town.get_by_label("陈志强").check()
    town.get_by_role("button", name="成立", exact=True).click()
    town.wait_for_url("**/service/centre?done=team")
    assert town.locator("#centre-teams").get_by_text("清河镇宣讲队").is_visible()

    # A villager of 示范村 orders the 所's service from the village's menu.
    villager.goto(f"{base}/service/menu")
    villager.locator(".menu-item", has_text="政策宣讲进院坝").first.click()
    villager.get_by_label("说明一下情况").fill("想听听新农合报销的新规定")
    villager.get_by_role("button", name="提交点单").click()
    villager.wait_for_url("**/service/orders/*")
    order_url = villager.url.split("?")[0]

    # The town admin's board shows it under 新点单 with its village; he dispatches it to the 所's team.
    town.goto(f"{base}/service/centre")
    town.locator("#centre-open").get_by_text("政策宣讲进院坝").wait_for()
    shoot_both(town, shoot, "centre-01-board")
    town.goto(order_url)
    town.get_by_label("派给").select_option(label="志愿队 清河镇宣讲队（1 人）")
    shoot_both(town, shoot, "centre-02-dispatch")
    town.get_by_role("button", name="确认派单").click()
    town.get_by_text("已派单", exact=True).first.wait_for()
    assert town.get_by_test_id("order-status").inner_text() == "已派单"
    shoot(town, "centre-03-dispatched")

    # The village official reads it among the higher levels' orders, without who it is for.
    official.goto(f"{base}/service/board")
    official.locator("#board-above").get_by_text("政策宣讲进院坝").wait_for()
    shoot(official, "centre-04-village-board")

    # 陈志强 (of 邻村) finds it sent to his team and accepts it.
    chen.goto(f"{base}/service")
    chen.locator("#service-sent").get_by_text("政策宣讲进院坝").click()
    chen.get_by_role("button", name="接单").click()
    chen.get_by_test_id("order-volunteer").wait_for()
    assert chen.get_by_test_id("order-volunteer").inner_text() == "陈志强"
    shoot(chen, "centre-05-accepted")
