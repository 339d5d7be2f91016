"""The 收银台's day: today's count and points of what the shop handed out (pay codes and 核销 of phone requests, as
the books count them), and the waiting phone requests the attendant can tap — each showing what it holds, opened
ready to 核销, the goods still going over only against the villager's 核销码 (issue #18, item 7)."""

import re
from datetime import UTC, datetime

import pytest

from app.db import session_for
from app.shop.books.service import day_total
from app.shop.models import Shop
from app.timeutil import day_bounds
from tests.shop.pages.conftest import HTMX, done_redeeming, text_of
from tests.shop.pages.test_requests import FORM_KEY, code_of, order


def today_on_counter(web, shop_id) -> tuple[int, int]:
    html = web.get(f"/counter?shop_id={shop_id}").text
    return int(text_of(html, "counter-today-count")), int(text_of(html, "counter-today-points"))


class TestDayBounds:
    def test_the_villages_day_not_utcs(self):
        start, end = day_bounds(datetime(2026, 12, 6, 17, 30, tzinfo=UTC), "Asia/Shanghai")  # 01:30 on the 7th there
        assert start.astimezone(UTC) == datetime(2026, 12, 6, 16, 0, tzinfo=UTC)
        assert end.astimezone(UTC) == datetime(2026, 12, 7, 16, 0, tzinfo=UTC)


class TestDayTotal:
    """On both engines: the sums are the books' own query over today's bounds."""

    def test_pay_codes_and_requests_count_reversed_ones_do_not(self, api, web, demo_engine, shop_id, goods):
        web.sign_in("attendant")
        assert today_on_counter(web, shop_id) == (0, 0)
        first = done_redeeming(api, shop_id, [(goods["soap"]["id"], 2)])
        done_redeeming(api, shop_id, [(goods["rice"]["id"], 1)])
        web.sign_in("villager")
        location = order(web, shop_id, goods["soap"], 1).headers["location"]
        code = code_of(web, location)
        web.sign_in("attendant")
        key = FORM_KEY.search(web.post("/counter/requests/lookup", {"shop_id": shop_id, "code": code},
                                       headers=HTMX).text).group(1)
        done = web.post("/counter/requests/fulfil", {"shop_id": shop_id, "code": code, "form_key": key}, headers=HTMX)
        assert "核销成功" in done.text
        soap, rice = goods["soap"]["points_price"], goods["rice"]["points_price"]
        assert today_on_counter(web, shop_id) == (3, 3 * soap + rice)
        reversed_ = api.post(f"/redemptions/{first['id']}/reversal", "official", json={"reason": "退货"})
        assert reversed_.status_code == 200, reversed_.text
        assert today_on_counter(web, shop_id) == (2, soap + rice)
        partial = web.get(f"/counter/today?shop_id={shop_id}", headers=HTMX)
        assert partial.status_code == 200 and 'id="counter-today"' in partial.text and "<html" not in partial.text
        with session_for(demo_engine, write=False) as s:
            shop = s.get(Shop, shop_id)
            assert day_total(s, shop=shop, tz="Asia/Shanghai",
                             now=datetime(2000, 1, 1, tzinfo=UTC)).redemptions == 0  # another day: nothing

    @pytest.mark.sqlite_only
    def test_only_the_shops_staff_read_it(self, web, shop_id):
        web.sign_in("villager")
        assert web.get(f"/counter/today?shop_id={shop_id}").status_code == 403


@pytest.mark.sqlite_only
class TestWaitingRequests:
    def test_each_row_shows_who_what_points_and_time_left_and_opens(self, web, shop_id, goods):
        web.sign_in("villager")
        key = FORM_KEY.search(web.get(f"/shop/order/{shop_id}").text).group(1)
        location = web.post(f"/shop/order/{shop_id}", {f"q_{goods['soap']['id']}": "2",
                                                        f"q_{goods['rice']['id']}": "1",
                                                        "form_key": key}).headers["location"]
        rid = int(location.rsplit("/", 1)[1])
        code = code_of(web, location)
        web.sign_in("attendant")
        page = web.get(f"/counter/requests?shop_id={shop_id}").text
        row = re.search(rf'<a class="req-row"[^>]*data-testid="req-waiting-{rid}">(.*?)</a>', page, re.S)
        assert row, "the waiting request is not a link"
        text = re.sub(r"<[^>]+>|\s", "", row.group(1))
        assert "王*国" in text and "王建国" not in page
        assert "测试肥皂×2、" in text and "测试大米×1" in text
        total = 2 * goods["soap"]["points_price"] + goods["rice"]["points_price"]
        assert f"{total}积分" in text and re.search(r"还剩1[45]分钟", text)
        assert f'hx-get="/counter/requests/{rid}/basket?shop_id={shop_id}"' in row.group(0)

        # Opened by the tap (htmx) or by its address (no script): the basket, and a field for the code.
        for opened in (web.get(f"/counter/requests/{rid}/basket?shop_id={shop_id}", headers=HTMX).text,
                       web.get(f"/counter/requests?shop_id={shop_id}&open={rid}").text):
            assert "测试肥皂 × 2" in opened and 'data-testid="req-fulfil-code"' in opened
            assert code not in opened and code[:4] + " " not in opened

        # The goods go over only against this request's code: none, another's, then its own.
        basket = web.get(f"/counter/requests/{rid}/basket?shop_id={shop_id}", headers=HTMX).text
        form_key = FORM_KEY.search(basket).group(1)
        fields = {"shop_id": shop_id, "request_id": rid, "form_key": form_key}
        assert web.post("/counter/requests/fulfil", {**fields, "code": ""}, headers=HTMX).status_code == 400
        web.sign_in("villager")
        other = code_of(web, order(web, shop_id, goods["soap"], 1).headers["location"])
        web.sign_in("attendant")
        wrong = web.post("/counter/requests/fulfil", {**fields, "code": other, "form_key": form_key + "x"},
                         headers=HTMX)
        assert wrong.status_code == 400 and "不是这张兑换单的" in wrong.text
        done = web.post("/counter/requests/fulfil", {**fields, "code": code, "form_key": form_key + "y"},
                        headers=HTMX)
        assert done.status_code == 200 and "核销成功" in done.text
        assert f'data-testid="req-waiting-{rid}"' not in web.get(f"/counter/requests?shop_id={shop_id}").text

    def test_no_waiting_request_says_so(self, web, shop_id):
        web.sign_in("attendant")
        page = web.get(f"/counter/requests?shop_id={shop_id}&open=999999").text
        assert "现在没有待核销的兑换单" in page and 'data-testid="req-fulfil-code"' not in page
