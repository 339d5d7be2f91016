"""Issue #18 in the browser: one line per purchase on 积分 and 首页 after 2 purchases and 4 cancels (首页's 最近明细
shows the purchases, not holds), a line opened to the ledger entries behind it; and status labels that never wrap
at 360 × 640 on the villager's and volunteer's 服务 lists and the shop's request lists."""

from tests.conftest import DEMO
from tests.e2e.conftest import log_in

PHONE, SMALL = {"width": 390, "height": 844}, {"width": 360, "height": 640}
LOAD = 20_000  # a busy machine: page loads may take longer than the default


def token(request, base: str, who: str) -> dict[str, str]:
    r = request.post(f"{base}/api/v1/auth/login", data={"phone": DEMO[who], "password": "demo1234"})
    assert r.ok, r.text()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def shop_and_goods(request, base: str, auth) -> tuple[int, list[int]]:
    shop = next(s for s in request.get(f"{base}/api/v1/shops", headers=auth).json()["items"] if s["name"] == "振风超市")
    goods = request.get(f"{base}/api/v1/shops/{shop['id']}/goods", headers=auth).json()["items"]
    cheap = sorted((g for g in goods if g["stock"] > 5), key=lambda g: g["points_price"])[:2]
    return shop["id"], [g["id"] for g in cheap]


def two_purchases_four_cancels(request, base: str) -> None:
    """The issue's case through the JSON API: buy, cancel, cancel, buy, cancel, cancel."""
    villager, attendant = token(request, base, "villager"), token(request, base, "attendant")
    shop_id, goods = shop_and_goods(request, base, villager)
    for i, keep in enumerate((True, False, False, True, False, False)):
        made = request.post(f"{base}/api/v1/shops/{shop_id}/requests", data={"items": [
            {"goods_id": goods[i % 2], "quantity": 1}]}, headers={**villager, "Idempotency-Key": f"basket-{i}"})
        assert made.status == 201, made.text()
        body = made.json()
        if keep:
            done = request.post(f"{base}/api/v1/shops/{shop_id}/requests/fulfil", data={"code": body["code"]},
                                headers={**attendant, "Idempotency-Key": f"fulfil-{i}"})
            assert done.status == 201, done.text()
        else:
            assert request.post(f"{base}/api/v1/shops/{shop_id}/requests/{body['id']}/cancel",
                                headers=villager).ok


def test_two_purchases_and_four_cancels_read_as_six_lines(live_server, new_context, shoot):
    base = live_server
    context = new_context()
    two_purchases_four_cancels(context.request, base)
    page = context.new_page()
    page.set_default_timeout(LOAD)
    log_in(page, base, DEMO["villager"], to="/")

    recent = page.locator("#ledger-recent")
    assert recent.locator(".purchase").count() == 2  # the two purchases; the four cancels moved nothing
    assert recent.get_by_text("已兑换", exact=True).count() == 2
    for word in ("已取消", "兑换预留", "预留退回", "兑换中"):
        assert recent.get_by_text(word).count() == 0, word
    assert page.get_by_text("王建国家 · 积分余额").is_visible()  # his own name in full to him
    for size, name in ((PHONE, "390"), (SMALL, "360")):
        page.set_viewport_size(size)
        shoot(page, f"purchase-lines-home-{name}")

    page.goto(f"{base}/points")
    rows = page.locator("#ledger-rows .purchase")
    assert rows.count() == 6
    assert [rows.nth(i).locator(".tag").inner_text() for i in range(6)] == [
        "已取消", "已取消", "已兑换", "已取消", "已取消", "已兑换"]
    cancelled = rows.nth(0)
    assert cancelled.locator(".entry-amount").inner_text().startswith("0")
    assert cancelled.get_by_text("积分已全部退回").is_visible()
    legs = cancelled.locator("details.entry-legs")
    assert not legs.locator("li").first.is_visible()  # closed until tapped
    legs.locator("summary").click()
    assert legs.locator("li").count() == 2 and legs.get_by_text("扫码兑换取消，预留积分退回").is_visible()
    for size, name in ((PHONE, "390"), (SMALL, "360")):
        page.set_viewport_size(size)
        shoot(page, f"purchase-lines-points-{name}")

    official = new_context().new_page()  # the official's view of the household: the same six lines
    official.set_default_timeout(LOAD)
    log_in(official, base, DEMO["official"], to="/")
    auth = token(context.request, base, "official")
    found = context.request.get(f"{base}/api/v1/households?q=王建国", headers=auth).json()["items"][0]
    official.goto(f"{base}/admin/households/{found['id']}")
    assert official.locator("#ledger-rows .purchase").count() == 6
    for size, name in ((PHONE, "390"), (SMALL, "360")):
        official.set_viewport_size(size)
        shoot(official, f"purchase-lines-official-{name}")


ONE_LINE = """els => els.filter(e => e.offsetParent !== null).map(e => {
  const style = getComputedStyle(e);
  const inner = e.getBoundingClientRect().height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)
    - parseFloat(style.borderTopWidth) - parseFloat(style.borderBottomWidth);
  return [e.textContent.trim(), inner <= parseFloat(style.lineHeight) + 1];
})"""


def labels_on_one_line(page) -> list[str]:
    """The status labels on the page that take more than one line (none, they never wrap)."""
    found = page.locator(".tag").evaluate_all(ONE_LINE)
    assert found, f"no status label on {page.url}"
    return [text for text, one in found if not one]


def order_to_be_rated(request, base: str) -> None:
    """An order of 王建国's taken and completed by 李志愿: it waits for his rating (待评价)."""
    villager, volunteer = token(request, base, "villager"), token(request, base, "volunteer")
    service = request.get(f"{base}/api/v1/services", headers=villager).json()["items"][0]
    order = request.post(f"{base}/api/v1/orders", data={"service_id": service["id"]}, headers=villager).json()
    assert request.post(f"{base}/api/v1/orders/{order['id']}/accept", headers=volunteer).ok
    done = request.post(f"{base}/api/v1/orders/{order['id']}/complete", data={"hours": 1, "note": ""},
                        headers=volunteer)
    assert done.ok, done.text()
    request.post(f"{base}/api/v1/orders", data={"service_id": service["id"]}, headers=villager)  # one still open


def test_status_labels_never_wrap_at_360(live_server, new_context, shoot):
    base = live_server
    context = new_context(viewport=SMALL)
    order_to_be_rated(context.request, base)
    two_purchases_four_cancels(context.request, base)
    for who, paths in (("villager", ("/service", "/my/requests")), ("volunteer", ("/service",)),
                       ("attendant", ("/shop/requests?status=all",))):
        page = context.new_page()
        page.set_default_timeout(LOAD)
        context.clear_cookies()
        log_in(page, base, DEMO[who])
        for path in paths:
            page.goto(f"{base}{path}")
            assert labels_on_one_line(page) == [], (who, path)
            shoot(page, f"labels-360-{who}-{path.strip('/').split('?')[0].replace('/', '-')}")
        page.close()
