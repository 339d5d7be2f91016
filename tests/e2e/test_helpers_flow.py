"""帮办员 in a real browser at 390×844 (issue #21 item 4): the official appoints 王建国 帮办员 of 赵德明's household
with paper consent; 王建国 opens 我帮办的家庭, sees its balance, taps 代下单 and orders 理发 for it; the order says
由帮办员王建国代办. Screenshots: test-artifacts/screenshots/helpers-*.png."""

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def test_an_official_appoints_a_helper_who_orders_for_the_household(live_server, new_context, shoot):
    base = live_server
    official = new_context().new_page()
    log_in(official, base, DEMO["official"], to="/helpers")
    official.get_by_label("被帮办的家庭").select_option(label="赵德明家（示范村三组 8 号）")
    official.get_by_label("帮办员（本村的人，不是这一户的成员）").select_option(label="王建国")
    official.get_by_label("纸质同意书").check()
    official.get_by_label("同意书说明（纸质同意时必填，如：同意书存村委档案柜）").fill("同意书存村委档案柜")
    official.get_by_role("button", name="任命", exact=True).click()
    official.get_by_text("已任命帮办员").wait_for()
    assert "王建国" in official.locator("[data-testid=helper-row]").first.inner_text()
    shoot(official, "helpers-village")

    helper = new_context().new_page()
    log_in(helper, base, DEMO["villager"], to="/helping")
    row = helper.locator("[data-testid=helped-row]")
    assert "赵德明家" in row.inner_text() and "80" in row.inner_text()
    shoot(helper, "helpers-helping")
    row.get_by_role("link", name="代下单").click()
    helper.get_by_label("想要什么帮助（几个字）").fill("帮忙买药")
    helper.get_by_role("button", name="提交点单").click()
    helper.locator("[data-testid=helper-mark]").wait_for()
    assert "由帮办员王建国代办" in helper.locator("[data-testid=helper-mark]").inner_text()
    shoot(helper, "helpers-order")
