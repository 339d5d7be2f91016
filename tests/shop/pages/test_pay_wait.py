"""The open 积分码 screen waits on one request (/pay/wait) and answers questions (/pay/confirmations/{id}) — issue #7,
items 8 and 9. Page markup and the wait's answers: SQLite (the redemption behind a confirmation runs on both
engines in tests/shop/test_confirmations.py)."""

import re
import time

import pytest

from tests.shop.conftest import balance, pay_code, redeem
from tests.shop.pages.conftest import Browser

pytestmark = pytest.mark.sqlite_only


def page(api, path, who="villager"):
    return api.client.get(path, headers=api.headers(who), follow_redirects=False)


def wait(api, who="villager", **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return page(api, f"/pay/wait?{query}", who)


def screen(api) -> dict:
    html = page(api, "/pay").text
    return {name: re.search(rf'data-{name}="(\d+)"', html).group(1) for name in ("after-id", "seen", "code-id", "code")}


def ask(api, shop_id, goods, code=None):
    items = [{"goods_id": goods["rice"]["id"], "quantity": 3}, {"goods_id": goods["soap"]["id"], "quantity": 3}]
    r = api.post(f"/shops/{shop_id}/redemptions", "attendant",
                 json={"pay_code": code or pay_code(api), "items": items, "expected_total": 105})
    assert r.status_code == 202, r.text
    return r.json()


class TestWait:
    def test_fresh_code_when_due(self, api):
        s = screen(api)
        r = wait(api, after_id=s["after-id"], code_id=s["code-id"], seen=s["seen"], until=0)
        assert r.status_code == 200 and r.headers["x-pay-event"] == "code" and "no-store" in r.headers["cache-control"]
        fresh = re.search(r'data-code="(\d+)"', r.text).group(1)
        assert fresh != s["code"] and 'id="pay-code"' in r.text

    def test_waits_until_asked_then_answers(self, api):
        s = screen(api)
        started = time.monotonic()
        r = wait(api, after_id=s["after-id"], code_id=s["code-id"], seen=s["seen"], until=2)
        assert r.headers["x-pay-event"] == "code" and 1.5 < time.monotonic() - started < 5

    def test_receipt_at_once(self, api, shop_id, goods):
        s = screen(api)
        assert redeem(api, shop_id, s["code"], [(goods["soap"]["id"], 1)]).status_code == 201
        started = time.monotonic()
        r = wait(api, after_id=s["after-id"], code_id=s["code-id"], seen=s["seen"], until=30)
        assert r.headers["x-pay-event"] == "receipt" and "兑换成功" in r.text and time.monotonic() - started < 3

    def test_code_refused_at_the_counter_brings_a_fresh_one_at_once(self, api, shop_id, goods):
        s = screen(api)
        redeem(api, shop_id, s["code"], [(goods["soap"]["id"], 1)])
        used = api.post(f"/shops/{shop_id}/payer", "attendant", json={"pay_code": s["code"]})
        assert used.status_code == 409
        started = time.monotonic()
        r = wait(api, after_id=10**6, code_id=s["code-id"], seen=s["seen"], until=30)
        assert r.headers["x-pay-event"] == "code" and time.monotonic() - started < 3

    def test_question_to_confirm(self, api, shop_id, goods):
        s = screen(api)
        question = ask(api, shop_id, goods, s["code"])
        r = wait(api, after_id=s["after-id"], code_id=s["code-id"], seen=s["seen"], until=30)
        assert r.headers["x-pay-event"] == "confirm"
        assert "确认兑换" in r.text and "105" in r.text and "积分？" in r.text and "振风超市" in r.text
        assert f'data-confirmation-id="{question["id"]}"' in r.text and "测试大米 × 3" in r.text
        assert 'data-decision="confirm"' in r.text and 'data-decision="refuse"' in r.text
        # once seen, the wait no longer answers with it
        r = wait(api, after_id=s["after-id"], code_id=s["code-id"], seen=question["id"], until=1)
        assert r.headers["x-pay-event"] == "code"

    def test_a_question_open_when_the_page_opens_is_asked(self, api, shop_id, goods):
        ask(api, shop_id, goods)
        s = screen(api)
        r = wait(api, after_id=s["after-id"], code_id=s["code-id"], seen=s["seen"], until=0)
        assert r.headers["x-pay-event"] == "confirm"

    def test_goods_names_escaped_in_the_question(self, api, shop_id, goods):
        api.patch(f"/shops/{shop_id}/goods/{goods['rice']['id']}", "attendant", json={"name": "<script>x</script>"})
        s = screen(api)
        ask(api, shop_id, goods, s["code"])
        r = wait(api, after_id=s["after-id"], code_id=s["code-id"], seen=s["seen"], until=0)
        assert "<script>x" not in r.text and "&lt;script&gt;x" in r.text

    @pytest.mark.parametrize("bad", ["until=51", "until=-1", "after_id=99999999999999999999", "code_id=x"])
    def test_bad_parameters(self, api, bad):
        assert page(api, f"/pay/wait?{bad}").status_code == 422

    def test_without_a_household(self, api):
        assert page(api, "/pay/wait?until=0", "official").status_code == 403


class TestAnswer:
    def test_confirm_shows_the_receipt(self, api, shop_id, goods):
        question = ask(api, shop_id, goods)
        web = Browser(api.client).sign_in("villager")
        r = web.post(f"/pay/confirmations/{question['id']}", {"decision": "confirm", "total_points": "105"})
        assert r.status_code == 200 and r.headers["x-pay-event"] == "receipt" and "兑换成功" in r.text
        assert balance(api) == 495

    def test_the_question_carries_its_total(self, api, shop_id, goods):
        ask(api, shop_id, goods)
        r = wait(api, seen=0, until=0)
        assert r.headers["x-pay-event"] == "confirm" and 'data-total="105"' in r.text

    @pytest.mark.parametrize("sent", [{"total_points": "100"}, {}, {"total_points": "一百"}])
    def test_confirm_of_another_total_or_none_asks_again(self, api, shop_id, goods, sent):
        """Issue #15: the page must send the total it showed; another (or none: a stale page) moves nothing and
        the question comes back as it is, with why."""
        question = ask(api, shop_id, goods)
        web = Browser(api.client).sign_in("villager")
        r = web.post(f"/pay/confirmations/{question['id']}", {"decision": "confirm", **sent})
        assert r.status_code == 409 and r.headers["x-pay-event"] == "confirm"
        assert 'data-total="105"' in r.text and ("合计有变动" in r.text or "刷新" in r.text)
        assert balance(api) == 600
        ok = web.post(f"/pay/confirmations/{question['id']}", {"decision": "confirm", "total_points": "105"})
        assert ok.headers["x-pay-event"] == "receipt" and balance(api) == 495

    def test_refuse(self, api, shop_id, goods):
        question = ask(api, shop_id, goods)
        web = Browser(api.client).sign_in("villager")
        r = web.post(f"/pay/confirmations/{question['id']}", {"decision": "refuse"})
        assert r.headers["x-pay-event"] == "ended" and "已拒绝" in r.text
        again = web.post(f"/pay/confirmations/{question['id']}", {"decision": "confirm", "total_points": "105"})
        assert again.headers["x-pay-event"] == "ended" and "拒绝" in again.text and balance(api) == 600

    def test_another_household_not_found(self, api, shop_id, goods):
        question = ask(api, shop_id, goods)
        web = Browser(api.client).sign_in("volunteer")
        assert web.post(f"/pay/confirmations/{question['id']}", {"decision": "confirm"}).status_code == 404

    def test_without_csrf_refused(self, api, shop_id, goods):
        question = ask(api, shop_id, goods)
        web = Browser(api.client).sign_in("villager")
        r = api.client.post(f"/pay/confirmations/{question['id']}", data={"decision": "confirm"})
        assert r.status_code == 403 and balance(api) == 600
        del web


class TestCounterPage:
    def test_has_the_waiting_screen(self, api):
        r = page(api, "/counter", "attendant")
        assert "等待村民确认" in r.text and 'data-action="cancel-wait"' in r.text
