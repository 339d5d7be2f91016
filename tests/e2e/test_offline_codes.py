"""离线码 (issue #21 item 3) in a real browser: the pay screen fetches offline codes while online; with the network
cut (context.set_offline) the open screen, and the pay screen opened again, show one labelled 离线码; the counter
(online, another phone) redeems it; back online, the villager's phone shows the receipt."""

import pytest

from tests.conftest import DEMO
from tests.e2e.test_counter_flow import log_in, number
from tests.e2e.test_pay_network import _counter_sells

pytestmark = [pytest.mark.browser, pytest.mark.service_worker]

KEPT = "() => (JSON.parse(localStorage.getItem('zf-offline-codes') || '{}').codes || []).length"


def test_an_offline_code_pays_without_signal_and_the_receipt_follows(live_server, new_context, shoot):
    base = live_server
    context = new_context()
    phone = context.new_page()
    log_in(phone, base, DEMO["villager"], to="/")
    phone.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    phone.goto(f"{base}/pay")
    phone.wait_for_function(f"() => ({KEPT})() === 5")
    before = number(phone, "pay-balance")

    context.set_offline(True)
    try:
        # The open pay screen: the live code gives way to an offline one, said to be one.
        panel = phone.locator("#pay-offline")
        panel.wait_for()
        assert panel.get_by_role("heading", name="离线码").is_visible()
        assert phone.locator("#pay-code").is_hidden()
        shoot(phone, "offline-01-pay-screen")

        # The pay screen opened again without a network: the offline page shows the kept code at once.
        phone.reload()
        shown = phone.get_by_test_id("offline-code")
        shown.get_by_role("heading", name="离线码").wait_for()
        assert phone.get_by_text("只能用一次 · 每次最多兑换 100 积分").is_visible()
        assert phone.get_by_role("img", name="离线码二维码").is_visible()
        code = phone.get_by_test_id("offline-digits").inner_text().replace(" ", "")
        assert code.isdigit() and len(code) == 18
        shoot(phone, "offline-02-offline-page")

        # The counter is online: it takes the code like any other.
        counter = new_context().new_page()
        log_in(counter, base, DEMO["attendant"], to="/")
        _counter_sells(counter, base, code, [("菜籽油", 1)])
        total = number(counter, "counter-total")
        assert 0 < total <= 100
        counter.get_by_role("button", name="确认兑换").click()
        counter.get_by_test_id("counter-receipt").wait_for()
        shoot(counter, "offline-03-counter-receipt")
    finally:
        context.set_offline(False)

    # Back online: the phone asks what became of its codes and shows the receipt of the one used offline.
    phone.goto(f"{base}/pay")
    receipt = phone.get_by_test_id("offline-receipt")
    receipt.wait_for()
    assert receipt.get_by_text(f"−{total} 积分").is_visible()
    assert receipt.get_by_text(f"兑换后余额 {before - total}").is_visible()
    assert number(phone, "pay-balance") == before - total
    phone.wait_for_function(f"() => ({KEPT})() >= 3")  # the used one dropped, the rest kept (or a fresh batch)
    shoot(phone, "offline-04-receipt-synced")


def test_phone_lost_from_me(live_server, new_context, shoot):
    page = new_context().new_page()
    log_in(page, live_server, DEMO["villager"], to="/pay")
    page.wait_for_function(f"() => ({KEPT})() === 5")
    page.goto(f"{live_server}/me")
    page.get_by_text("挂失离线码", exact=True).click()
    page.get_by_role("button", name="确认挂失离线码").click()
    page.get_by_text("已挂失").wait_for()
    page.get_by_text("挂失离线码", exact=True).click()  # open again, for the picture
    shoot(page, "offline-05-me-lost")
    # The next visit to the pay screen finds its kept codes stopped and fetches a fresh batch.
    page.goto(f"{live_server}/pay")
    page.wait_for_function(f"() => ({KEPT})() === 5")


def test_the_official_sets_the_cap(live_server, new_context, shoot):
    page = new_context().new_page()
    log_in(page, live_server, DEMO["official"], to="/shop/settings")
    page.get_by_label("每个离线码最多兑换多少积分（0 表示不用离线码）").fill("50")
    page.get_by_role("button", name="更新离线码限额").click()
    page.get_by_test_id("offline-cap").filter(has_text="50").wait_for()
    shoot(page, "offline-06-settings")
