"""扫码兑换 pages, as a browser without JavaScript: the poster, /s/{id} and login's way back, the basket and the
核销码 screen, cancel and consent, the counter's 核销, the lists, the village's 核销码 lifetime."""

import re

import pytest

from tests.shop.pages.conftest import HTMX

pytestmark = pytest.mark.sqlite_only
FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')


def order(web, shop_id, goods, quantity=1, key=None):
    page = web.get(f"/shop/order/{shop_id}")
    key = key or FORM_KEY.search(page.text).group(1)
    return web.post(f"/shop/order/{shop_id}", {f"q_{goods['id']}": str(quantity), "form_key": key})


def code_of(web, location):
    page = web.get(location)
    digits = re.search(r'data-testid="request-digits">([0-9 ]+)<', page.text).group(1)
    return digits.replace(" ", "")


class TestPosterAndAddress:
    def test_poster_for_staff(self, web, shop_id):
        web.sign_in("attendant")
        r = web.get(f"/shop/poster?shop_id={shop_id}")
        assert r.status_code == 200
        for words in ("振风超市", "示范村", "扫码", "选商品", "到柜台出示核销码", "用微信扫一扫或手机相机扫码"):
            assert words in r.text
        assert f"http://testserver/s/{shop_id}" in r.text and 'data-testid="poster-qr"' in r.text
        assert 'data-testid="poster-link"' in web.get(f"/shop/manage?shop_id={shop_id}").text

    def test_villagers_cannot_print_the_poster(self, web, shop_id):
        web.sign_in("villager")
        assert web.get(f"/shop/poster?shop_id={shop_id}").status_code == 403

    def test_signed_out_signs_in_and_comes_back(self, web, shop_id):
        web.client.cookies.clear()
        r = web.get(f"/s/{shop_id}")
        assert r.status_code == 303 and r.headers["location"] == f"/login?next=/s/{shop_id}"
        login = web.get(r.headers["location"])
        assert f'name="next" value="/s/{shop_id}"' in login.text
        done = web.client.post("/login", data={"phone": "13800000004", "password": "demo1234",
                                               "next": f"/s/{shop_id}"}, follow_redirects=False)
        assert done.headers["location"] == f"/s/{shop_id}"
        assert web.get(f"/s/{shop_id}").headers["location"] == f"/shop/order/{shop_id}"

    @pytest.mark.parametrize("bad", ["//evil.example/x", "https://evil.example", "/\\evil", "/s/1?x=<script>"])
    def test_next_stays_on_this_site(self, web, bad):
        web.client.cookies.clear()
        done = web.client.post("/login", data={"phone": "13800000004", "password": "demo1234", "next": bad},
                               follow_redirects=False)
        assert done.headers["location"] == "/"

    def test_another_village_is_told_plainly(self, web, shop_id):
        web.sign_in("neighbour")
        r = web.get(f"/shop/order/{shop_id}")
        assert r.status_code == 404 and "其他村的积分超市" in r.text and "振风超市" not in r.text
        assert web.get(f"/shop/order/{2**31}").status_code == 404


class TestBasketAndCode:
    def test_order_page_shows_balance_goods_steppers(self, web, shop_id, goods):
        web.sign_in("villager")
        r = web.get(f"/shop/order/{shop_id}")
        assert r.status_code == 200 and 'data-testid="order-balance"' in r.text
        assert "测试肥皂" in r.text and f'name="q_{goods["soap"]["id"]}"' in r.text and "提交兑换" in r.text

    def test_submit_shows_code_and_cancel_gives_back(self, web, api, shop_id, goods):
        web.sign_in("villager")
        before = api.get("/me/requests", "villager").json()["items"]
        r = order(web, shop_id, goods["rice"], 2)
        assert r.status_code == 303
        page = web.get(r.headers["location"])
        assert page.status_code == 200 and "到柜台出示核销码" in page.text and "60" in page.text
        code = code_of(web, r.headers["location"])
        assert len(code) == 16
        assert len(api.get("/me/requests", "villager").json()["items"]) == len(before) + 1
        rid = r.headers["location"].rsplit("/", 1)[1]
        state = web.get(f"/shop/order/{shop_id}/requests/{rid}/state")
        assert state.status_code == 200 and state.text == ""
        cancelled = web.post(f"/shop/order/{shop_id}/requests/{rid}/cancel")
        assert cancelled.status_code == 303
        assert "已取消" in web.get(cancelled.headers["location"]).text

    def test_double_submit_one_request(self, web, api, shop_id, goods):
        web.sign_in("villager")
        key = FORM_KEY.search(web.get(f"/shop/order/{shop_id}").text).group(1)
        a, b = order(web, shop_id, goods["soap"], key=key), order(web, shop_id, goods["soap"], key=key)
        assert a.headers["location"] == b.headers["location"]

    def test_an_open_basket_is_said_and_a_second_hold_asks_first(self, web, shop_id, goods):
        web.sign_in("villager")
        assert "hx-confirm" not in web.get(f"/shop/order/{shop_id}").text
        location = order(web, shop_id, goods["soap"]).headers["location"]
        page = web.get(f"/shop/order/{shop_id}").text
        assert "您有一张未核销的兑换单" in page and f'href="{location}"' in page
        assert 'hx-confirm="您已有一张未核销的兑换单。再提交一张，积分会再留一份。确定再提交吗？"' in page
        web.post(f"{location}/cancel")
        assert "未核销的兑换单" not in web.get(f"/shop/order/{shop_id}").text

    @pytest.mark.parametrize("field", ["q_0", f"q_{2**31}", "q_99999999999"])
    def test_hostile_goods_ids(self, web, shop_id, field):
        web.sign_in("villager")
        r = web.post(f"/shop/order/{shop_id}", {field: "1"})
        assert r.status_code == 422 and "商品不存在" in r.text

    def test_others_cannot_open_my_code(self, web, shop_id, goods):
        web.sign_in("villager")
        location = order(web, shop_id, goods["soap"]).headers["location"]
        web.sign_in("attendant")
        assert web.get(location).status_code == 404

    def test_my_requests_list(self, web, shop_id, goods):
        web.sign_in("villager")
        order(web, shop_id, goods["soap"])
        r = web.get("/my/requests")
        assert r.status_code == 200 and "待核销" in r.text and "振风超市" in r.text


class TestCounter:
    def test_lookup_fulfil_and_receipt_on_the_phone(self, web, shop_id, goods):
        web.sign_in("villager")
        location = order(web, shop_id, goods["soap"], 2).headers["location"]
        code = code_of(web, location)
        rid = location.rsplit("/", 1)[1]
        web.sign_in("attendant")
        assert "核销手机兑换单" in web.get(f"/counter?shop_id={shop_id}").text
        page = web.get(f"/counter/requests?shop_id={shop_id}")
        assert page.status_code == 200 and "王*国" in page.text
        listed = web.get(f"/shop/requests?shop_id={shop_id}&status=all").text  # the shop's list, for its staff
        assert "王*国" in listed and "王建国" not in listed  # an attendant is not an official (#15)
        basket = web.post("/counter/requests/lookup", {"shop_id": shop_id, "code": code}, headers=HTMX)
        assert basket.status_code == 200 and "王*国" in basket.text and "测试肥皂 × 2" in basket.text
        assert "王建国" not in basket.text
        key = FORM_KEY.search(basket.text).group(1)
        done = web.post("/counter/requests/fulfil", {"shop_id": shop_id, "code": code, "form_key": key}, headers=HTMX)
        assert done.status_code == 200 and "核销成功" in done.text
        again = web.post("/counter/requests/fulfil", {"shop_id": shop_id, "code": code, "form_key": key},
                         headers=HTMX)
        assert again.status_code == 200 and "核销成功" in again.text  # the same tap, answered again
        web.sign_in("villager")
        state = web.get(f"/shop/order/{shop_id}/requests/{rid}/state")
        assert state.status_code == 286 and "兑换成功" in state.text

    def test_drop_asks_consent_then_fulfil(self, web, shop_id, goods):
        web.sign_in("villager")
        page = web.get(f"/shop/order/{shop_id}")
        key = FORM_KEY.search(page.text).group(1)
        r = web.post(f"/shop/order/{shop_id}", {f"q_{goods['soap']['id']}": "1", f"q_{goods['rice']['id']}": "1",
                                                 "form_key": key})
        location = r.headers["location"]
        rid, code = location.rsplit("/", 1)[1], code_of(web, location)
        web.sign_in("attendant")
        dropped = web.post(f"/counter/requests/{rid}/drop", {"shop_id": shop_id, "goods_id": goods["rice"]["id"],
                                                              "code": code}, headers=HTMX)
        assert dropped.status_code == 200 and "等村民在手机上同意" in dropped.text
        web.sign_in("villager")
        state = web.get(f"/shop/order/{shop_id}/requests/{rid}/state")
        assert state.status_code == 200 and "同意" in state.text
        assert 'name="total_points" value="5"' in state.text  # the form carries the total it shows (issue #15)
        refused = web.post(f"/shop/order/{shop_id}/requests/{rid}/consent", {"total_points": "35"}, headers=HTMX)
        assert refused.status_code == 409 and "合计有变动" in refused.text
        assert web.post(f"/shop/order/{shop_id}/requests/{rid}/consent").status_code == 422  # a stale page
        web.sign_in("attendant")
        assert "确认核销" not in web.get(f"/counter/requests/{rid}/basket?shop_id={shop_id}&code={code}").text
        web.sign_in("villager")
        assert web.post(f"/shop/order/{shop_id}/requests/{rid}/consent", {"total_points": "5"}).status_code == 303
        web.sign_in("attendant")
        basket = web.get(f"/counter/requests/{rid}/basket?shop_id={shop_id}&code={code}")
        assert "确认核销" in basket.text

    def test_refuse_with_reason_shown_as_text(self, web, shop_id, goods):
        web.sign_in("villager")
        location = order(web, shop_id, goods["soap"]).headers["location"]
        rid = location.rsplit("/", 1)[1]
        web.sign_in("attendant")
        r = web.post(f"/counter/requests/{rid}/refuse", {"shop_id": shop_id, "reason": "<script>x</script>缺货"},
                     headers=HTMX)
        assert r.status_code == 200 and "&lt;script&gt;" in r.text and "<script>x" not in r.text
        web.sign_in("villager")
        assert "&lt;script&gt;" in web.get(location).text

    def test_villager_cannot_use_the_counter(self, web, shop_id):
        web.sign_in("villager")
        assert web.get(f"/counter/requests?shop_id={shop_id}").status_code == 403


class TestOfficials:
    def test_list_settlement_and_minutes(self, web, shop_id, goods):
        web.sign_in("villager")
        order(web, shop_id, goods["soap"])
        web.sign_in("official")
        r = web.get(f"/shop/requests?shop_id={shop_id}&status=all")
        assert r.status_code == 200 and "王建国" in r.text and "测试肥皂" in r.text  # officials: in full (#15)
        from app.timeutil import utcnow

        month = web.get(f"/shop/requests/month?shop_id={shop_id}&month={utcnow():%Y-%m}")
        assert month.status_code == 200 and "待核销 1" in month.text
        saved = web.post("/shop/requests/minutes", {"shop_id": shop_id, "minutes": "30"})
        assert saved.status_code == 303
        assert "30 分钟内有效" in web.get(f"/shop/requests?shop_id={shop_id}").text
        web.sign_in("attendant")
        assert web.post("/shop/requests/minutes", {"shop_id": shop_id, "minutes": "30"}).status_code == 403

    def test_home_has_scan(self, web):
        web.sign_in("villager")
        assert 'href="/scan"' in web.get("/").text
        assert web.get("/scan").status_code == 200
