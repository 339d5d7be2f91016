"""Codes cannot be guessed or outlive their owner (issue #7, item 4).

The report: 150 random codes sent to POST /shops/{id}/redemptions answered 150×400 at 59/s, never 429; a code issued
before its member was deactivated (or its card revoked) still redeemed for up to 60 s."""

import secrets

import pytest

from app.config import Settings
from app.shop.redemption.counter import make_code_failure_limits
from tests.conftest import error_code
from tests.shop.conftest import balance, pay_code, redeem


def random_code(prefix="66", length=18) -> str:
    return prefix + "".join(secrets.choice("0123456789") for _ in range(length - len(prefix)))


def limits(app, **overrides):
    app.state.code_failures = make_code_failure_limits(Settings(**overrides))


@pytest.mark.sqlite_only
class TestGuessing:
    def test_150_random_codes_meet_429_after_the_limit(self, api, shop_id, goods):
        answers = [redeem(api, shop_id, random_code(), [(goods["soap"]["id"], 1)]) for _ in range(150)]
        statuses = [r.status_code for r in answers]
        limit = Settings().code_failures_per_attendant
        assert statuses[:limit] == [400] * limit
        assert set(statuses[limit:]) == {429}
        last = answers[-1]
        assert error_code(last) == "rate_limited" and int(last.headers["Retry-After"]) > 0
        assert "分钟后再试" in last.json()["error"]["message"]
        # the throttle holds for a real code too (a guesser cannot tell a hit from the refusal), and for look-ups
        assert redeem(api, shop_id, pay_code(api), [(goods["soap"]["id"], 1)]).status_code == 429
        assert api.post(f"/shops/{shop_id}/payer", "attendant", json={"pay_code": random_code()}).status_code == 429
        assert api.post(f"/shops/{shop_id}/card-unlock", "attendant",
                        json={"card_code": random_code("99", 20), "pin": "1234"}).status_code == 429

    @pytest.mark.parametrize("route", ["payer", "card-unlock"])
    def test_look_ups_count_failures(self, api, app, shop_id, route):
        limits(app, code_failures_per_attendant=5)
        for _ in range(5):
            body = ({"pay_code": random_code()} if route == "payer"
                    else {"card_code": random_code("99", 20), "pin": "1234"})
            assert api.post(f"/shops/{shop_id}/{route}", "attendant", json=body).status_code == 400
        r = api.post(f"/shops/{shop_id}/payer", "attendant", json={"pay_code": random_code()})
        assert r.status_code == 429 and error_code(r) == "rate_limited" and "Retry-After" in r.headers

    @pytest.mark.parametrize("route", ["requests/lookup", "requests/fulfil"])
    def test_shop_request_codes_count_failures_too(self, api, app, shop_id, route):
        """A 核销码 is a code like any other: wrong ones count toward the same per-attendant ceiling."""
        limits(app, code_failures_per_attendant=5)
        for _ in range(5):
            r = api.post(f"/shops/{shop_id}/{route}", "attendant", json={"code": random_code("77", 16)})
            assert r.status_code == 400
        r = api.post(f"/shops/{shop_id}/requests/lookup", "attendant", json={"code": random_code("77", 16)})
        assert r.status_code == 429 and error_code(r) == "rate_limited"
        r = api.post(f"/shops/{shop_id}/payer", "attendant", json={"pay_code": random_code()})
        assert r.status_code == 429  # one ceiling for every code the counter takes

    def test_good_look_ups_are_not_counted(self, api, app, shop_id):
        limits(app, code_failures_per_attendant=3)
        for _ in range(6):
            assert api.post(f"/shops/{shop_id}/payer", "attendant", json={"pay_code": pay_code(api)}).status_code == 200

    def test_per_shop_ceiling_across_attendants(self, api, app, shop_id):
        """A guesser's second attendant account does not get a fresh allowance: the shop has its own ceiling."""
        limits(app, code_failures_per_attendant=100, code_failures_per_shop=4)
        for _ in range(4):
            assert api.post(f"/shops/{shop_id}/payer", "attendant", json={"pay_code": random_code()}).status_code == 400
        assert api.post(f"/shops/{shop_id}/payer", "attendant", json={"pay_code": random_code()}).status_code == 429
        app.state.code_failures.by_attendant.reset("user:x")  # nothing of the attendant's own to forget
        app.state.code_failures.by_shop.reset(f"shop:{shop_id}")
        assert api.post(f"/shops/{shop_id}/payer", "attendant", json={"pay_code": pay_code(api)}).status_code == 200

    def test_qr_of_codes_not_ones_own_is_throttled(self, api, app):
        limits(app, code_failures_per_attendant=3)
        for _ in range(3):
            r = api.client.get(f"/api/v1/me/pay-code/{random_code()}.svg", headers=api.headers("villager"))
            assert r.status_code == 404
        r = api.client.get(f"/api/v1/me/pay-code/{random_code()}.svg", headers=api.headers("villager"))
        assert r.status_code == 429 and "Retry-After" in r.headers


def _member_id(api, who="villager") -> tuple[int, int]:
    me = api.get("/me", who).json()
    return me["household_id"], me["id"]


class TestCodeDiesWithItsOwner:
    def test_code_then_member_deactivated_is_refused(self, api, shop_id, goods):
        code = pay_code(api)
        hid, uid = _member_id(api)
        r = api.post(f"/households/{hid}/members/{uid}/deactivate", "official", json={"reason": "外出务工，账号停用"})
        assert r.status_code == 200, r.text
        r = redeem(api, shop_id, code, [(goods["soap"]["id"], 1)])
        assert r.status_code == 400 and error_code(r) == "invalid_pay_code" and "停用" in r.json()["error"]["message"]
        look = api.post(f"/shops/{shop_id}/payer", "attendant", json={"pay_code": code})
        assert look.status_code == 400
        household = api.get(f"/households/{hid}", "official").json()
        assert household["balance"] == 600

    def test_code_from_a_card_then_card_revoked_is_refused(self, api, shop_id, goods):
        hid, _ = _member_id(api)
        card = api.post(f"/households/{hid}/cards", "official", json={"pin": "2468"}).json()
        unlocked = api.post(f"/shops/{shop_id}/card-unlock", "attendant",
                            json={"card_code": card["card_code"], "pin": "2468"})
        assert unlocked.status_code == 200
        r = api.post(f"/households/{hid}/cards/{card['id']}/revoke", "official", json={"reason": "卡丢了"})
        assert r.status_code == 200
        r = redeem(api, shop_id, unlocked.json()["pay_code"], [(goods["soap"]["id"], 1)])
        assert r.status_code == 400 and error_code(r) == "invalid_pay_code" and "作废" in r.json()["error"]["message"]
        assert balance(api) == 600

    def test_code_from_a_replaced_card_is_refused(self, api, shop_id, goods):
        hid, _ = _member_id(api)
        card = api.post(f"/households/{hid}/cards", "official", json={"pin": "2468"}).json()
        unlocked = api.post(f"/shops/{shop_id}/card-unlock", "attendant",
                            json={"card_code": card["card_code"], "pin": "2468"}).json()
        assert api.post(f"/households/{hid}/cards", "official", json={"pin": "1357"}).status_code == 201
        r = redeem(api, shop_id, unlocked["pay_code"], [(goods["soap"]["id"], 1)])
        assert r.status_code == 400 and error_code(r) == "invalid_pay_code"

