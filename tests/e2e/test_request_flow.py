"""扫码兑换 in real browsers: the attendant prints the shop's poster; the villager's phone camera reads its QR,
opens the shop, picks goods and submits; the 核销码 appears; the attendant types it at the counter, sees the basket
and confirms; both phones show the receipt. Signed out, the poster's address signs in and comes back to the shop."""

import re

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import screenshot
from tests.e2e.fixtures.camera import qr_frame
from tests.e2e.test_counter_flow import camera_phone, fits_small_phone, log_in  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser


def number(page, test_id: str) -> int:
    return int(page.get_by_test_id(test_id).inner_text().strip())


def basket_ready(page) -> None:
    """The basket page has arrived and its steppers work (static/order.js marks the form ready): a tap before that,
    on a slow or busy phone, would be lost."""
    page.wait_for_url(re.compile(r"/shop/order/\d+$"), timeout=15_000)
    page.locator("#order-form[data-ready]").wait_for()


def item(page, name: str):
    return page.locator(".order-item", has=page.locator(".goods-name", has_text=name))


def test_scan_the_poster_pick_goods_and_fulfil_at_the_counter(live_server, new_context, camera_phone, shoot):  # noqa: F811
    base = live_server

    # The attendant prints the poster from the shop's management page.
    counter = new_context().new_page()
    log_in(counter, base, DEMO["attendant"], to="/shop/manage")
    counter.get_by_test_id("poster-link").click()
    counter.wait_for_url(re.compile(r"/shop/poster"))
    poster_url = counter.locator(".poster-url").inner_text().strip()
    assert re.fullmatch(rf"{re.escape(base)}/s/\d+", poster_url), poster_url
    assert counter.get_by_text("到柜台出示核销码").is_visible()
    shoot(counter, "request-01-poster")
    counter.emulate_media(media="print")
    screenshot(counter, "request-01-poster-print", full_page=True)
    counter.emulate_media(media="screen")

    # Signed out, the poster's address asks to sign in, then lands on the shop.
    stranger = new_context().new_page()
    stranger.goto(poster_url)
    stranger.wait_for_url(re.compile(r"/login\?next=/s/\d+"))
    stranger.get_by_label("手机号", exact=True).fill(DEMO["villager"])
    stranger.get_by_label("密码", exact=True).fill("demo1234")
    stranger.get_by_role("button", name="登录").click()
    stranger.wait_for_url(re.compile(r"/shop/order/\d+$"))
    stranger.context.close()

    # The villager's phone: 首页 → 扫一扫; the camera films the poster and the shop opens.
    villager = camera_phone(qr_frame(poster_url), "poster")
    log_in(villager, base, DEMO["villager"], to="/")
    villager.get_by_test_id("home-scan").click()
    basket_ready(villager)
    before = number(villager, "order-balance")
    assert villager.get_by_role("button", name="提交兑换").is_disabled()
    soap, rice = item(villager, "香皂"), item(villager, "大米")
    soap.get_by_role("button", name=re.compile("^增加")).click()
    soap.get_by_role("button", name=re.compile("^增加")).click()
    rice.get_by_role("button", name=re.compile("^增加")).click()
    total = number(villager, "order-total")
    assert total > 0 and villager.get_by_text(f"剩余 {before - total}").is_visible()
    shoot(villager, "request-02-basket")
    fits_small_phone(villager, "request-02-basket")
    villager.get_by_role("button", name="提交兑换").click()
    villager.wait_for_url(re.compile(r"/shop/order/\d+/requests/\d+$"))
    grouped = villager.get_by_test_id("request-digits").inner_text().strip()
    assert re.fullmatch(r"\d{4}( \d{4}){3}", grouped), grouped
    assert number(villager, "request-total") == total
    assert number(villager, "request-balance") == before - total  # held at once
    assert villager.get_by_role("img", name="核销码二维码").is_visible()
    shoot(villager, "request-03-code")
    fits_small_phone(villager, "request-03-code")

    # The counter: 核销手机兑换单, the code typed, the basket with the masked name, confirm.
    counter.goto(f"{base}/counter")
    counter.get_by_test_id("counter-requests-link").click()
    counter.wait_for_url(re.compile(r"/counter/requests"), timeout=20_000)  # a busy 2-core run took more than 10 s
    counter.get_by_label(re.compile("核销码")).fill(grouped)
    counter.get_by_role("button", name="查看兑换单").click()
    basket = counter.get_by_test_id("req-basket")
    basket.wait_for()
    assert basket.get_by_text("王*国").is_visible() and basket.get_by_text("香皂 × 2").is_visible()
    assert number(counter, "req-total") == total
    shoot(counter, "request-04-counter-basket")
    counter.get_by_role("button", name=re.compile("确认核销")).click()
    done = counter.get_by_test_id("req-done")
    done.wait_for()
    assert number(counter, "req-done-total") == total
    shoot(counter, "request-05-counter-done")

    # The villager's phone shows the receipt by itself.
    receipt = villager.get_by_test_id("pay-receipt")
    receipt.wait_for(timeout=8_000)
    assert receipt.get_by_text("香皂 × 2").is_visible()
    assert number(villager, "pay-receipt-balance") == before - total
    shoot(villager, "request-06-receipt")
    villager.goto(f"{base}/my/requests")
    assert villager.get_by_text("已核销").first.is_visible()
    shoot(villager, "request-07-my-requests")


def test_the_counter_camera_reads_the_code_and_the_attendant_refuses(live_server, new_context, camera_phone,  # noqa: F811
                                                                     shoot):
    """The 核销码's QR under the counter's camera opens the basket; out of stock, the attendant refuses it with a
    reason and the villager's phone says so, with the points back."""
    base = live_server
    villager = new_context().new_page()
    log_in(villager, base, DEMO["villager"], to="/shop")
    villager.get_by_role("link", name=re.compile("在手机上选好商品")).click()
    basket_ready(villager)
    before = number(villager, "order-balance")
    item(villager, "鸡蛋").get_by_role("button", name=re.compile("^增加")).click()
    villager.get_by_role("button", name="提交兑换").click()
    villager.wait_for_url(re.compile(r"/shop/order/\d+/requests/\d+$"))
    code = villager.get_by_test_id("request-digits").inner_text().replace(" ", "")

    attendant = new_context().new_page()
    log_in(attendant, base, DEMO["attendant"])
    signed_in = attendant.context.storage_state()
    counter = camera_phone(qr_frame(code), "request-code", storage_state=signed_in)
    counter.goto(f"{base}/counter/requests")
    basket = counter.get_by_test_id("req-basket")
    basket.wait_for(timeout=15_000)
    assert basket.get_by_text("鸡蛋 30枚 × 1").is_visible()
    counter.get_by_text("整单退回").click()
    counter.get_by_label(re.compile("退回原因")).fill("鸡蛋卖完了")
    counter.get_by_role("button", name=re.compile("退回，积分还给村民")).click()
    counter.get_by_test_id("req-refused").wait_for()
    shoot(counter, "request-08-counter-refused")

    closed = villager.get_by_test_id("request-closed")
    closed.wait_for(timeout=8_000)
    assert closed.get_by_text("鸡蛋卖完了").is_visible()
    shoot(villager, "request-09-refused-on-phone")
    villager.goto(f"{base}/")
    assert int(villager.get_by_test_id("balance").inner_text()) == before


def test_an_item_out_of_stock_is_dropped_and_the_villager_agrees(live_server, new_context, camera_phone,  # noqa: F811
                                                                 shoot):
    from tests.e2e.fixtures.camera import blank_frame

    base = live_server
    villager = camera_phone(blank_frame(), "scan-blank")
    log_in(villager, base, DEMO["villager"], to="/")
    villager.get_by_test_id("home-scan").click()
    villager.wait_for_url(f"{base}/scan")
    villager.get_by_text("请对准二维码").wait_for()
    shoot(villager, "request-10-scan")
    villager.goto(f"{base}/shop")
    villager.get_by_role("link", name=re.compile("在手机上选好商品")).click()
    basket_ready(villager)
    item(villager, "面粉").get_by_role("button", name=re.compile("^增加")).click()
    item(villager, "食盐").get_by_role("button", name=re.compile("^增加")).click()
    villager.get_by_role("button", name="提交兑换").click()
    villager.wait_for_url(re.compile(r"/shop/order/\d+/requests/\d+$"))
    code = villager.get_by_test_id("request-digits").inner_text()
    assert number(villager, "request-total") == 25 + 3

    counter = new_context().new_page()
    log_in(counter, base, DEMO["attendant"], to="/counter/requests")
    counter.get_by_label(re.compile("核销码")).fill(code)
    counter.get_by_role("button", name="查看兑换单").click()
    basket = counter.get_by_test_id("req-basket")
    basket.wait_for()
    counter.once("dialog", lambda dialog: dialog.accept())
    basket.locator("li", has_text="面粉").get_by_role("button", name="缺货删去").click()
    counter.get_by_text("正在等村民在手机上同意新的合计").wait_for()
    assert number(counter, "req-total") == 3
    shoot(counter, "request-11-counter-dropped")

    consent = villager.get_by_test_id("request-consent")
    consent.wait_for(timeout=8_000)
    assert consent.get_by_text("新的合计").is_visible()
    shoot(villager, "request-12-consent")
    villager.get_by_test_id("request-agree").click()
    counter.get_by_role("button", name=re.compile("确认核销")).wait_for(timeout=8_000)
    counter.get_by_role("button", name=re.compile("确认核销")).click()
    counter.get_by_test_id("req-done").wait_for()
    assert number(counter, "req-done-total") == 3
    villager.get_by_test_id("pay-receipt").wait_for(timeout=8_000)
    assert villager.get_by_test_id("pay-receipt").get_by_text("食盐 400g × 1").is_visible()
    shoot(villager, "request-13-receipt-after-drop")
