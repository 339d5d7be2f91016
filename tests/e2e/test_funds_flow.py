"""积分资金 in a real browser (issue #17 item 5): the town admin books the township's 本级配套, confirms it, is refused
an allocation beyond the fund in plain words, allocates to 示范村; the official sees it arrive, sets what a point is
worth, and the shop's settlement shows the 元. Every page is shot at 390×844
(test-artifacts/screenshots/funds-*.png)."""

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import log_in
from tests.e2e.test_shop_admin_flow import redeem_at_the_counter

pytestmark = pytest.mark.browser


def test_a_township_books_its_budget_and_allocates_to_a_village(live_server, new_context, shoot):
    base = live_server
    page = new_context().new_page()
    log_in(page, base, DEMO["town_admin"], to="/")
    shoot(page, "funds-home-town-admin")  # the 积分资金 tile among the township's entries
    page.get_by_role("link", name="积分资金", exact=True).click()
    page.wait_for_selector("#fund-figures")
    assert page.get_by_test_id("fund-balance").inner_text() == "0"
    shoot(page, "funds-township-empty")

    # 本级配套: typed, checked, shown back, confirmed.
    page.get_by_text("本级配套", exact=True).click()
    page.get_by_label("积分").first.fill("5000")
    page.locator("#budget-yuan").fill("5000")
    page.locator("#budget-note").fill("镇级年度配套")
    page.locator("#budget-year").press("Enter")
    page.wait_for_selector("#fund-review")
    assert "5,000 分" in page.locator("#fund-review").inner_text()
    shoot(page, "funds-review")
    page.get_by_test_id("fund-confirm").click()
    page.wait_for_selector("text=本级配套已登记")
    assert page.get_by_test_id("fund-balance").inner_text() == "5,000"

    # 拨付 beyond the fund: refused, saying how much is left.
    page.get_by_text("拨付", exact=True).click()
    page.get_by_label("拨付给").select_option(label="示范村")
    page.locator("#allocation-points").fill("6000")
    page.locator("#allocation-points").press("Enter")
    page.wait_for_selector("#fund-review")
    page.get_by_test_id("fund-confirm").click()
    error = page.get_by_test_id("fund-error")
    error.wait_for()
    assert error.inner_text() == "清河镇积分资金余额不足：还剩 5000 分，需要 6000 分"
    shoot(page, "funds-refused")

    page.locator("#allocation-points").fill("2000")
    page.locator("#allocation-yuan").fill("2000")
    page.locator("#allocation-points").press("Enter")
    page.wait_for_selector("#fund-review")
    page.get_by_test_id("fund-confirm").click()
    page.wait_for_selector("text=已拨付")
    assert page.get_by_test_id("fund-given").inner_text() == "2,000"
    assert "拨给 示范村" in page.locator("#fund-records").inner_text()
    shoot(page, "funds-township")

    # The official sees it arrive, sets the rate, and the settlement is valued at it.
    official = new_context().new_page()
    log_in(official, base, DEMO["official"], to="/")
    official.get_by_role("link", name="积分资金", exact=True).click()
    official.wait_for_selector("#fund-records")
    assert "来自 清河镇" in official.locator("#fund-records").inner_text()
    official.locator("#fund-rate summary").click()
    official.locator("#rate-yuan").fill("0.5")
    official.get_by_role("button", name="保存").click()
    official.wait_for_selector("text=积分折合金额已保存")
    assert "1 积分 = 0.50 元" in official.locator("#fund-rate").inner_text()
    shoot(official, "funds-village")
    shop = official.context.request.get(f"{base}/api/v1/shops", headers=_bearer(official, base)).json()["items"][0]
    goods = official.context.request.get(f"{base}/api/v1/shops/{shop['id']}/goods",
                                         headers=_bearer(official, base)).json()["items"][0]
    redeem_at_the_counter(official.context, base, shop["id"], goods["id"], 1)
    official.goto(f"{base}/shop/settlement")
    assert "0.50 元" in official.get_by_test_id("settlement-rate").inner_text()
    points = int(official.get_by_test_id("settlement-total").inner_text())
    assert points == goods["points_price"]
    assert official.get_by_test_id("settlement-yuan").inner_text() == f"{points * 50 // 100:,}.{points * 50 % 100:02d}"
    shoot(official, "funds-settlement")


def _bearer(page, base: str) -> dict[str, str]:
    r = page.context.request.post(f"{base}/api/v1/auth/login", data={"phone": DEMO["official"], "password": "demo1234"})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
