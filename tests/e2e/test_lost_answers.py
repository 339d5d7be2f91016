"""Unknown outcomes resolve themselves (issue #18, must hold 1), in a real browser: for each important submit — the
basket's 提交兑换, 点单, 评单, an objection, an official's award, 核销 at the counter — the request reaches the server
(route.fetch: the server does the work) and then the answer is lost (route.abort) while the phone goes offline. The
form stays locked, the banner says what is happening, and when the network is back the page sends the same form with
the same key by itself: exactly one record, and the right screen, with no second tap. The basket also runs at
360×640 on a throttled link (400 ms, 400 kbit/s). Screenshots: test-artifacts/screenshots/lost-*.png."""

import re
import sqlite3
import time

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import PHONE, SMALL, fill_award, log_in, shoot_both
from tests.e2e.test_request_flow import basket_ready, item, number
from tests.e2e.test_shop_admin_flow import api_token

pytestmark = pytest.mark.browser

# The weak 3G: 400 ms round trips, 400 kbit/s (50 000 bytes/s) each way.
THROTTLED = {"offline": False, "latency": 400, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
FAST = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0}
WAITING = "网络断了，连上后自动查询结果"


class Phone:
    """A signed-in page whose network the test can cut (Chrome DevTools' own emulation: going offline and back
    fires the page's offline / online events, as on a real phone)."""

    def __init__(self, new_context, base: str, who: str, *, viewport=PHONE, link=FAST) -> None:
        self.page = new_context(viewport=viewport).new_page()
        self.page.set_default_timeout(20_000)
        self.asked: list[str] = []  # the questions the page asked (hx-confirm), answered with `self.agree`
        self.agree = True
        self.page.on("dialog", self._answer)
        self.link = link
        self.cdp = self.page.context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        log_in(self.page, base, DEMO[who])
        self.cdp.send("Network.emulateNetworkConditions", link)
        self.posts: list[str] = []
        self.page.on("request", lambda r: r.method == "POST" and self.posts.append(r.url))

    def _answer(self, dialog) -> None:
        self.asked.append(dialog.message)
        dialog.accept() if self.agree else dialog.dismiss()

    def lose_the_next_answer(self, path: str) -> None:
        """The next POST to `path` reaches the server and is done there; its answer never arrives, and the phone is
        offline from that moment."""
        pattern = re.compile(rf"^[^?]*{path}$")

        def cut(route):
            if route.request.method != "POST":
                route.fallback()
                return
            route.fetch(max_redirects=0)  # the server does the work and answers …
            self.cdp.send("Network.emulateNetworkConditions", OFFLINE)
            route.abort("internetdisconnected")  # … but the phone never hears it

        self.page.route(pattern, cut, times=1)

    def wait_then_reconnect(self, shoot, name: str, button) -> float:
        """The answer is lost: the form stays locked and the banner says so (and covers no button); then the
        network comes back (the moment is returned)."""
        banner = self.page.get_by_role("alert").filter(has_text=WAITING)
        banner.wait_for()
        assert button.is_disabled()
        apart(banner, button)
        shoot(self.page, name)
        self.cdp.send("Network.emulateNetworkConditions", self.link)
        return time.monotonic()


def apart(banner, button) -> None:
    """The banner's box and the button's box do not meet."""
    a, b = banner.bounding_box(), button.bounding_box()
    assert a and b
    assert (a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
            or a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]), (a, b)


def count(db, sql: str, *args) -> int:
    with sqlite3.connect(db) as con:
        return con.execute(sql, args).fetchone()[0]


@pytest.mark.parametrize("viewport, link", [(PHONE, FAST), (SMALL, THROTTLED)], ids=["390", "360-3g"])
def test_the_basket_shows_its_code_when_the_answer_is_lost(live_server, new_context, shoot, tmp_path,
                                                           viewport, link):
    base, db = live_server, tmp_path / "e2e.db"
    size = f"{viewport['width']}"
    phone = Phone(new_context, base, "villager", viewport=viewport, link=link)
    page = phone.page
    page.goto(f"{base}/shop")
    page.get_by_role("link", name=re.compile("在手机上选好商品")).click()
    basket_ready(page)
    before, held = number(page, "order-balance"), count(db, "SELECT count(*) FROM shop_requests")
    item(page, "香皂").get_by_role("button", name=re.compile("^增加")).click()
    total = number(page, "order-total")
    submit = page.get_by_role("button", name="提交兑换")
    phone.lose_the_next_answer(r"/shop/order/\d+")
    submit.click()
    online = phone.wait_then_reconnect(shoot, f"lost-basket-01-waiting-{size}", submit)

    # Back online: the same form is sent again by itself and the 核销码 shows — one request, one hold — within
    # seconds (the online event; on the slow link at least the two round trips of 400 ms it takes).
    page.wait_for_url(re.compile(r"/shop/order/\d+/requests/\d+$"), timeout=20_000)
    page.get_by_test_id("request-digits").wait_for()
    took = time.monotonic() - online
    assert (0.8 if link is THROTTLED else 0) <= took < 10, took
    assert page.get_by_role("alert").filter(has_text=WAITING).count() == 0
    assert count(db, "SELECT count(*) FROM shop_requests") == held + 1
    assert number(page, "request-balance") == before - total
    assert len([u for u in phone.posts if re.search(r"/shop/order/\d+$", u)]) >= 2  # sent again, not tapped
    shoot(page, f"lost-basket-02-code-{size}")

    # Back at the shop later: the open basket is said and linked, and a second hold asks first.
    page.goto(f"{base}/shop")
    page.get_by_role("link", name=re.compile("在手机上选好商品")).click()
    basket_ready(page)
    open_one = page.get_by_test_id("order-open")
    assert open_one.get_by_text(f"您有一张未核销的兑换单（{total} 积分）").is_visible()
    shoot(page, f"lost-basket-03-open-{size}")
    phone.agree = False
    item(page, "香皂").get_by_role("button", name=re.compile("^增加")).click()
    with page.expect_event("dialog"):
        submit.click()
    assert phone.asked and "未核销的兑换单" in phone.asked[-1]
    assert count(db, "SELECT count(*) FROM shop_requests") == held + 1

    # Agreed to a second one, and its answer lost too: the resend does not ask again, and makes one more.
    phone.agree, asked = True, len(phone.asked)
    phone.lose_the_next_answer(r"/shop/order/\d+")
    submit.click()
    phone.wait_then_reconnect(shoot, f"lost-basket-04-second-waiting-{size}", submit)
    page.wait_for_url(re.compile(r"/shop/order/\d+/requests/\d+$"), timeout=20_000)
    page.get_by_test_id("request-digits").wait_for()
    assert len(phone.asked) == asked + 1
    assert count(db, "SELECT count(*) FROM shop_requests") == held + 2


def test_an_order_and_its_rating_come_through_a_lost_answer(live_server, new_context, shoot, tmp_path):
    base, db = live_server, tmp_path / "e2e.db"
    phone = Phone(new_context, base, "villager")
    page = phone.page

    # 点单
    orders = count(db, "SELECT count(*) FROM service_orders")
    page.goto(f"{base}/service/menu")
    page.locator(".menu-item", has_text="理发").first.click()
    page.get_by_label("说明一下情况").fill("断网时点的单，只能有一张")
    submit = page.get_by_role("button", name="提交点单")
    phone.lose_the_next_answer("/service/orders")
    submit.click()
    phone.wait_then_reconnect(shoot, "lost-order-01-waiting", submit)
    page.wait_for_url(re.compile(r"/service/orders/\d+"))
    assert page.get_by_test_id("order-status").inner_text() == "待派单"
    assert count(db, "SELECT count(*) FROM service_orders") == orders + 1
    shoot_both(page, shoot, "lost-order-02-placed")

    # 评单: the demo's 教我用手机视频, done by 李志愿 and waiting for the villager's rating.
    order_id = count(db, "SELECT id FROM service_orders WHERE description LIKE '想学会用手机%'")
    page.goto(f"{base}/service/orders/{order_id}")
    page.get_by_role("radio", name="4 星").check()
    submit = page.get_by_role("button", name="提交评价")
    phone.lose_the_next_answer(rf"/service/orders/{order_id}/rate")
    submit.click()
    phone.wait_then_reconnect(shoot, "lost-rate-01-waiting", submit)
    page.get_by_text("谢谢您的评价").wait_for()
    assert page.get_by_test_id("order-status").inner_text() == "已评价"
    assert count(db, "SELECT count(*) FROM service_order_events WHERE order_id = ? AND action = 'rate'",
                 order_id) == 1
    shoot_both(page, shoot, "lost-rate-02-rated")


def test_an_objection_comes_through_a_lost_answer(live_server, new_context, shoot, tmp_path):
    base, db = live_server, tmp_path / "e2e.db"
    helper = new_context()
    round_id = count(db, "SELECT id FROM evaluation_rounds WHERE status = 'scoring'")
    official = {"Authorization": f"Bearer {api_token(helper, base, 'official')}"}
    published = helper.request.post(f"{base}/api/v1/evaluations/{round_id}/publish", headers=official,
                                    data={"notice_days": 3})
    assert published.ok, published.text()

    phone = Phone(new_context, base, "villager")
    page = phone.page
    page.goto(f"{base}/evaluation/rounds/{round_id}")
    line = page.locator("[data-testid=result-line]").first
    line.get_by_text("对这一条有异议").click()
    line.locator("textarea").fill("断网时提的异议，只能有一条")
    submit = line.get_by_role("button", name="提交异议")
    phone.lose_the_next_answer(rf"/evaluation/rounds/{round_id}/lines/\d+/objections")
    submit.click()
    phone.wait_then_reconnect(shoot, "lost-objection-01-waiting", submit)
    page.get_by_text("异议已提交").wait_for()
    assert count(db, "SELECT count(*) FROM evaluation_objections") == 1
    shoot_both(page, shoot, "lost-objection-02-filed")


def test_an_award_comes_through_a_lost_answer(live_server, new_context, shoot, tmp_path):
    base, db = live_server, tmp_path / "e2e.db"
    phone = Phone(new_context, base, "official")
    page = phone.page
    fill_award(page, base, 20, "断网时发的奖励，只能有一笔")
    submit = page.get_by_role("button", name="确认发放")
    phone.lose_the_next_answer(r"/admin/households/\d+/awards")
    submit.click()
    phone.wait_then_reconnect(shoot, "lost-award-01-waiting", submit)
    page.get_by_text("积分已发放").wait_for()
    assert count(db, "SELECT count(*) FROM ledger_transactions WHERE reason = '断网时发的奖励，只能有一笔'") == 1
    shoot_both(page, shoot, "lost-award-02-done")


def test_fulfil_at_the_counter_comes_through_a_lost_answer(live_server, new_context, shoot, tmp_path):
    base, db = live_server, tmp_path / "e2e.db"
    villager = new_context().new_page()
    log_in(villager, base, DEMO["villager"], to="/shop")
    villager.get_by_role("link", name=re.compile("在手机上选好商品")).click()
    basket_ready(villager)
    item(villager, "香皂").get_by_role("button", name=re.compile("^增加")).click()
    villager.get_by_role("button", name="提交兑换").click()
    villager.wait_for_url(re.compile(r"/shop/order/\d+/requests/\d+$"))
    code = villager.get_by_test_id("request-digits").inner_text().replace(" ", "")
    sales = count(db, "SELECT count(*) FROM redemptions")

    phone = Phone(new_context, base, "attendant")
    page = phone.page
    page.goto(f"{base}/counter/requests")
    page.get_by_label(re.compile("核销码")).fill(code)
    page.get_by_role("button", name="查看兑换单").click()
    page.get_by_test_id("req-basket").wait_for()
    submit = page.get_by_role("button", name=re.compile("确认核销"))
    phone.lose_the_next_answer("/counter/requests/fulfil")
    submit.click()
    phone.wait_then_reconnect(shoot, "lost-fulfil-01-waiting", submit)
    page.get_by_test_id("req-done").wait_for()
    page.get_by_role("alert").filter(has_text=WAITING).wait_for(state="detached")  # the page stays: the banner goes
    assert count(db, "SELECT count(*) FROM redemptions") == sales + 1
    assert count(db, "SELECT count(*) FROM shop_requests WHERE status = 'fulfilled'") == 1
    shoot_both(page, shoot, "lost-fulfil-02-done")


def test_an_error_banner_says_what_to_do_and_goes_on_a_tap(live_server, new_context, shoot):
    base = live_server
    for viewport in (PHONE, SMALL):
        page = new_context(viewport=viewport).new_page()
        log_in(page, base, DEMO["official"])
        fill_award(page, base, 20, "   ")
        submit = page.get_by_role("button", name="确认发放")
        submit.scroll_into_view_if_needed()
        submit.click()
        toast = page.get_by_role("alert").filter(has_text="请填写奖励理由")
        toast.wait_for()
        apart(toast, submit)
        shoot(page, f"lost-toast-{viewport['width']}")
        toast.click()
        page.locator("#toast:empty").wait_for(state="attached")


def test_a_step_without_a_key_of_its_own_comes_through_a_lost_answer(live_server, new_context, shoot, tmp_path):
    """取消兑换's template draws no key: the page gives every form one when it draws it (static/app.js), and the
    server answers the repeat with the first answer (app/form_replay.py) — one cancel, the points back once, and
    the page says they are back instead of an error that the basket was already cancelled."""
    base, db = live_server, tmp_path / "e2e.db"
    phone = Phone(new_context, base, "villager")
    page = phone.page
    page.goto(f"{base}/shop")
    page.get_by_role("link", name=re.compile("在手机上选好商品")).click()
    basket_ready(page)
    item(page, "香皂").get_by_role("button", name=re.compile("^增加")).click()
    page.get_by_role("button", name="提交兑换").click()
    page.wait_for_url(re.compile(r"/shop/order/\d+/requests/\d+$"))
    request_id = int(page.url.rsplit("/", 1)[1])
    returns = count(db, "SELECT count(*) FROM ledger_transactions")
    cancel = page.get_by_test_id("request-cancel")
    phone.lose_the_next_answer(rf"/shop/order/\d+/requests/{request_id}/cancel")
    cancel.click()
    phone.wait_then_reconnect(shoot, "lost-cancel-01-waiting", cancel)
    page.get_by_text("积分已退回您家的账户").wait_for()
    assert len(phone.posts) >= 2  # sent again by itself …
    assert count(db, "SELECT status FROM shop_requests WHERE id = ?", request_id) == "cancelled"
    assert count(db, "SELECT count(*) FROM ledger_transactions") == returns + 1  # … and the points came back once
    assert not page.get_by_role("alert").filter(has_text=re.compile("已取消|不能")).count()
    shoot_both(page, shoot, "lost-cancel-02-done")


def test_an_answer_that_hangs_counts_as_lost(live_server, new_context, shoot, tmp_path):
    """The server did the work but its answer hangs (a weak link that never drops): after the page's time limit the
    form is sent again with its key and shows the result; one award."""
    base, db = live_server, tmp_path / "e2e.db"
    phone = Phone(new_context, base, "official")
    page = phone.page
    # static/app.js waits 20 s on a phone; 4 s here, which a busy 2-core machine's answer to the resend still beats
    # (at 1.5 s every resend timed out too once, and the page never showed its answer)
    fill_award(page, base, 15, "回答一直没来的奖励", before_filling=lambda: page.evaluate("ZF_SEND_TIMEOUT_MS = 4000"))
    hung = []

    def hang(route):
        route.fetch(max_redirects=0)  # done on the server; the answer never comes
        hung.append(route)

    page.route(re.compile(r"/admin/households/\d+/awards$"), hang, times=1)
    page.get_by_role("button", name="确认发放").click()
    # each try costs 4 s plus 3 s before the next; on a saturated machine (the whole suite on 2 cores) the first
    # answer can take long enough that a resend waits on it and times out too: a few tries, not one (CI once ran out
    # of 20 s). Still no second tap: the page keeps trying by itself.
    page.get_by_text("积分已发放").wait_for(timeout=60_000)
    assert hung and count(db, "SELECT count(*) FROM ledger_transactions WHERE reason = '回答一直没来的奖励'") == 1
    shoot(page, "lost-hung-award-done")
