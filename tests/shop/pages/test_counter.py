"""Pages at the counter: the villager's 积分码 (/pay and its partials) and the attendant's 收银台 (/counter)."""

import base64
import re
from html import unescape

import pytest
from sqlmodel import select

from app.db import session_for
from app.org.models import Household, User
from app.shop.catalogue.service import create_shop
from app.shop.models import Shop
from app.shop.qr import qr_svg
from app.static_files import static_url
from tests.conftest import DEMO
from tests.shop.conftest import balance, redeem

HX = {"HX-Request": "true"}
pytestmark = pytest.mark.sqlite_only  # page markup; the pay codes and redemptions run on both engines elsewhere


def page(api, path: str, who: str, **headers):
    return api.client.get(path, headers=api.headers(who, **headers), follow_redirects=False)


def shown_code(html: str) -> str:
    match = re.search(r'data-code="(\d+)"', html)
    assert match, "no pay code on the page"
    return match.group(1)


def lookup(api, shop_id: int, code: str):
    return api.post(f"/shops/{shop_id}/payer", "attendant", json={"pay_code": code})


def assert_no_inline_code(html: str) -> None:
    """The CSP allows no inline script or style: everything comes from /static."""
    assert " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


class TestPayPage:
    def test_shows_the_code_grouped_in_fours_with_its_qr(self, api, shop_id):
        r = page(api, "/pay", "villager")
        assert r.status_code == 200
        assert "no-store" in r.headers["cache-control"]
        code = shown_code(r.text)
        assert re.fullmatch(r"\d{18}", code)
        grouped = " ".join(code[i:i + 4] for i in range(0, 18, 4))
        assert f'data-testid="pay-digits">{grouped}</p>' in r.text
        qr = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', r.text)
        assert qr and base64.b64decode(qr.group(1)) == qr_svg(code)
        assert "王*国家" in r.text and "王建国" not in r.text  # held up at the counter: masked even to him (ux.md)
        assert "每分钟自动刷新" in r.text and "屏幕调亮" in r.text
        assert f'data-testid="pay-balance">{balance(api)}<' in r.text
        assert_no_inline_code(r.text)

    def test_the_code_on_screen_is_live_at_the_counter(self, api, shop_id):
        code = shown_code(page(api, "/pay", "villager").text)
        r = lookup(api, shop_id, code)
        assert r.status_code == 200, r.text
        assert r.json()["household_name"] == "王*国"

    def test_waits_for_receipts_after_the_latest_redemption(self, api, shop_id, goods):
        redeem(api, shop_id, shown_code(page(api, "/pay", "villager").text), [(goods["soap"]["id"], 1)])
        r = page(api, "/pay", "villager")
        latest = re.search(r'data-after-id="(\d+)"', r.text)
        assert latest and int(latest.group(1)) > 0  # the earlier redemption will not pop up again

    def test_a_user_without_a_household_gets_a_plain_message(self, api):
        r = page(api, "/pay", "official")
        assert r.status_code == 200
        assert "还没有关联农户" in r.text
        assert "data-code=" not in r.text and "pay.js" not in r.text

    def test_sign_in_is_needed(self, api):
        api.client.cookies.clear()
        r = api.client.get("/pay", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"


class TestPayCodePartial:
    def test_gives_a_new_live_code_without_the_page_around_it(self, api, shop_id):
        first = shown_code(page(api, "/pay", "villager").text)
        r = page(api, "/pay/code", "villager", **HX)
        assert r.status_code == 200
        assert "no-store" in r.headers["cache-control"]
        assert r.text.lstrip().startswith("<div id=\"pay-code\"") and "<html" not in r.text
        fresh = shown_code(r.text)
        assert fresh != first
        assert 'data-refresh="45"' in r.text and "hx-trigger" not in r.text  # pay.js replaces it (/pay/wait)
        assert re.search(r'data-ttl="(5\d|60)"', r.text)
        assert lookup(api, shop_id, fresh).status_code == 200
        assert lookup(api, shop_id, first).status_code == 200  # the earlier one stays good until it dies

    def test_refused_without_a_household(self, api):
        assert page(api, "/pay/code", "official", **HX).status_code == 403


class TestPayReceipts:
    def test_nothing_new_is_an_empty_answer(self, api):
        r = page(api, "/pay/receipts?after_id=0", "villager", **HX)
        assert r.status_code == 204 and r.text == ""
        assert "no-store" in r.headers["cache-control"]

    def test_shows_the_receipt_after_the_attendant_confirms(self, api, shop_id, goods):
        before = balance(api)
        html = page(api, "/pay", "villager").text
        after_id = re.search(r"data-after-id=\"(\d+)\"", html).group(1)
        done = redeem(api, shop_id, shown_code(html), [(goods["soap"]["id"], 2), (goods["rice"]["id"], 1)])
        assert done.status_code == 201, done.text
        r = page(api, f"/pay/receipts?after_id={after_id}", "villager", **HX)
        assert r.status_code == 286  # htmx stops polling: the receipt stays on screen
        assert "no-store" in r.headers["cache-control"]
        text = unescape(re.sub(r"<[^>]+>", " ", r.text))
        assert "兑换成功" in text and "振风超市" in text
        assert "测试肥皂 × 2" in text and "测试大米 × 1" in text
        assert "−40" in text
        assert f'data-testid="pay-receipt-balance">{before - 40}<' in r.text
        assert "完成" in text
        assert page(api, f"/pay/receipts?after_id={done.json()['id']}", "villager", **HX).status_code == 204

    def test_goods_names_are_escaped(self, api, shop_id):
        made = api.post(f"/shops/{shop_id}/goods", "attendant",
                        json={"name": "<img src=x onerror=alert(1)>", "points_price": 1, "stock": 5})
        assert made.status_code == 201, made.text
        code = shown_code(page(api, "/pay", "villager").text)
        assert redeem(api, shop_id, code, [(made.json()["id"], 1)]).status_code == 201
        r = page(api, "/pay/receipts?after_id=0", "villager", **HX)
        assert "<img src=x" not in r.text and "&lt;img src=x onerror=alert(1)&gt;" in r.text

    def test_another_household_does_not_see_it(self, api, shop_id, goods):
        redeem(api, shop_id, shown_code(page(api, "/pay", "villager").text), [(goods["soap"]["id"], 1)])
        assert page(api, "/pay/receipts?after_id=0", "volunteer", **HX).status_code == 204


class TestCounterPage:
    def test_the_attendant_sees_the_counter_with_the_shops_goods(self, api, shop_id, goods):
        r = page(api, "/counter", "attendant")
        assert r.status_code == 200
        assert "收银台 · 振风超市" in r.text
        assert f'data-shop-id="{shop_id}"' in r.text
        for name in ("测试肥皂", "测试大米", "大米 5kg", "香皂"):
            assert f'data-name="{name}"' in r.text
        assert 'data-price="30"' in r.text and "/media/goods/" in r.text
        assert "手动输入" in r.text and "确认兑换" in r.text and "下一位" in r.text
        assert static_url("counter.js") in r.text and static_url("counter.css") in r.text
        assert 0 < r.text.index(static_url("scanner.js")) < r.text.index(static_url("counter.js"))  # uses it
        assert_no_inline_code(r.text)

    def test_sold_out_goods_cannot_be_added(self, api, shop_id):
        made = api.post(f"/shops/{shop_id}/goods", "attendant", json={"name": "卖完的酱", "points_price": 4,
                                                                     "stock": 0})
        assert made.status_code == 201
        html = page(api, "/counter", "attendant").text
        goods_id = made.json()["id"]
        row = re.search(rf'<li class="goods-row sold-out" data-goods-id="{goods_id}".*?</li>', html, re.S)
        assert row, "sold-out goods are not marked"
        assert "已售罄" in row.group(0)
        assert re.search(r'data-delta="1"[^>]*disabled', row.group(0))

    def test_goods_names_are_escaped(self, api, shop_id):
        api.post(f"/shops/{shop_id}/goods", "attendant",
                 json={"name": "<script>alert(1)</script>", "points_price": 2, "stock": 1})
        html = page(api, "/counter", "attendant").text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    @pytest.mark.parametrize("who", ["villager", "official", "committee", "neighbour", "town_admin"])
    def test_no_counter_without_staff_rights(self, api, shop_id, who):
        assert page(api, "/counter", who).status_code in (403, 404)
        assert page(api, f"/counter?shop_id={shop_id}", who).status_code in (403, 404)

    def test_another_villages_shop_is_not_found(self, api, demo_engine):
        with session_for(demo_engine, write=True) as s:
            chen = s.exec(select(Household).where(Household.head_name == "陈志强")).one()
            other = create_shop(s, village_id=chen.village_id, name="邻村小卖部")
            s.commit()
            other_id = other.id
        assert page(api, f"/counter?shop_id={other_id}", "attendant").status_code == 404

    def test_an_attendant_of_two_shops_chooses_one(self, api, demo_engine, shop_id):
        with session_for(demo_engine, write=True) as s:
            attendant = s.exec(select(User).where(User.phone == DEMO["attendant"])).one()
            second = create_shop(s, village_id=s.get(Shop, shop_id).village_id, name="振风二店",
                                 staff_user_ids=(attendant.id,))
            s.commit()
            second_id = second.id
        r = page(api, "/counter", "attendant")
        assert r.status_code == 200 and "选择超市" in r.text
        assert f'href="/counter?shop_id={shop_id}"' in r.text and f'href="/counter?shop_id={second_id}"' in r.text
        chosen = page(api, f"/counter?shop_id={second_id}", "attendant")
        assert chosen.status_code == 200 and "收银台 · 振风二店" in chosen.text
        assert "本店还没有可兑换的商品" in chosen.text

    def test_works_with_the_browser_session_cookie(self, api):
        login = api.client.post("/login", data={"phone": "13800000002", "password": "demo1234"},
                                follow_redirects=False)
        assert login.status_code == 303
        r = api.client.get("/counter")
        assert r.status_code == 200
        assert re.search(r"hx-headers='\{\"X-CSRF-Token\": \"[^\"]+\"\}'", r.text)  # counter.js sends it on POST
        api.client.cookies.clear()


class TestStaticFiles:
    @pytest.mark.parametrize("name", ["counter.js", "scanner.js", "counter.css", "pay.js", "jsqr-1.4.0.min.js"])
    def test_served(self, api, name):
        r = api.client.get(f"/static/{name}")
        assert r.status_code == 200 and len(r.content) > 500
