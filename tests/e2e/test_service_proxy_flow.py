"""An order placed on behalf of a household (代点单), in three phones at 390×844 (issue #15): the official orders for
王建国's household, a volunteer takes it from the pool and completes it; the official who placed it is offered no
confirmation, the household's own phone shows it waiting for their confirmation and rates it."""

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_an_order_placed_for_a_household_is_confirmed_by_the_household(live_server, new_context, shoot):
    base = live_server
    official, volunteer, household = (new_context().new_page() for _ in range(3))
    log_in(official, base, DEMO["official"])
    log_in(volunteer, base, DEMO["volunteer"])
    log_in(household, base, DEMO["villager"])

    # 代点单: the official orders 理发 for 王建国's household (王奶奶)
    official.goto(f"{base}/service/menu")
    official.locator(".menu-item", has_text="理发").first.click()
    official.get_by_label("为谁点单").select_option(label="代王建国家点单（示范村一组 12 号）")
    official.get_by_label("服务对象（如家里老人）").fill("王奶奶")
    official.get_by_label("说明一下情况").fill("王奶奶腿脚不便，请上门理发")
    official.get_by_role("button", name="提交点单").click()
    official.wait_for_url("**/service/orders/*")
    order_url = official.url.split("?")[0]

    # The pool shows the service and the 村民小组, not who or where; the volunteer takes it and completes it
    volunteer.goto(f"{base}/service")
    pool = volunteer.locator("#service-pool")
    assert "一组" in pool.inner_text() and "王奶奶" not in pool.inner_text()
    volunteer.goto(order_url)
    assert "一组 12 号" not in volunteer.content()
    volunteer.get_by_role("button", name="抢单").click()
    volunteer.get_by_text("抢单成功，请按约定时间上门").wait_for()
    assert volunteer.get_by_text("示范村一组 12 号").is_visible()  # now theirs: the address
    volunteer.get_by_label("服务了几个小时（标准 1）").fill("1")
    volunteer.get_by_role("button", name="提交完成").click()
    volunteer.get_by_text("已提交完成，等待村民评价").wait_for()

    # The official who placed it: no 确认 and no 评价 offered
    official.goto(order_url)
    assert official.get_by_test_id("order-status").inner_text() == "待评价"
    assert official.get_by_role("button", name="确认服务").count() == 0
    assert official.get_by_role("button", name="提交评价").count() == 0
    assert "等接受服务的家庭评价确认" in official.get_by_test_id("order-awaiting").inner_text()
    shoot(official, "service-proxy-01-official-no-confirm")

    # The household's phone: the order waits for their confirmation; they rate it
    household.goto(f"{base}/service")
    household.locator("#service-mine a", has_text="理发").first.click()
    household.wait_for_url(order_url)
    household.get_by_test_id("order-waiting").wait_for()
    assert household.get_by_test_id("order-status").inner_text() == "待评价"
    shoot(household, "service-proxy-02-household-waiting")
    screenshot(household, "service-proxy-02-household-waiting-390x844")
    household.get_by_role("radio", name="5 星").check()
    household.get_by_role("button", name="提交评价").click()
    household.get_by_text("谢谢您的评价").wait_for()
    assert household.get_by_test_id("order-status").inner_text() == "已评价"
    assert household.get_by_test_id("order-credit").inner_text().startswith("+10")
    shoot(household, "service-proxy-03-household-rated")
