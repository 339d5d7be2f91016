"""Prices at the counter (issue #7, item 8): the redemption carries the total the counter showed (409 price_changed
otherwise), and above the village's amount a redemption by pay code waits for the villager to confirm on their own
phone. On both databases: points move only at confirmation, once."""

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.db import session_for
from app.shop.redemption.models import RedemptionConfirmation
from app.timeutil import utcnow
from tests.conftest import error_code
from tests.shop.conftest import balance, pay_code, redeem, stock


def big(goods):
    """rice ×3 + soap ×3 = 105 points: above the default amount (100)."""
    return [(goods["rice"]["id"], 3), (goods["soap"]["id"], 3)]


def send(api, shop_id, code, lines, *, expected=None, key=None):
    body = {"pay_code": code, "items": [{"goods_id": g, "quantity": q} for g, q in lines]}
    if expected is not None:
        body["expected_total"] = expected
    return api.post(f"/shops/{shop_id}/redemptions", "attendant", json=body, key=key)


def answer(api, cid, decision="confirm", who="villager"):
    return api.post(f"/me/confirmations/{cid}", who, json={"decision": decision})


def poll(api, shop_id, cid):
    r = api.get(f"/shops/{shop_id}/confirmations/{cid}", "attendant")
    assert r.status_code == 200, r.text
    return r.json()


class TestPriceAtTheCounter:
    def test_the_report_price_raised_after_the_counter_showed_it(self, api, shop_id, goods):
        """An attendant raised a price, redeemed, set it back: the counter's total no longer matches → 409."""
        soap = goods["soap"]
        code = pay_code(api)
        shown = 2 * soap["points_price"]
        raised = api.patch(f"/shops/{shop_id}/goods/{soap['id']}", "attendant", json={"points_price": 50})
        assert raised.status_code == 200
        r = send(api, shop_id, code, [(soap["id"], 2)], expected=shown)
        assert r.status_code == 409 and error_code(r) == "price_changed"
        assert "100" in r.json()["error"]["message"]
        assert balance(api) == 600 and stock(api, shop_id, soap["id"]) == 10
        r = send(api, shop_id, code, [(soap["id"], 1)], expected=50)  # the counter reloaded: the new total
        assert r.status_code == 201 and r.json()["total_points"] == 50

    def test_expected_total_is_optional_for_api_v1_clients(self, api, shop_id, goods):
        assert redeem(api, shop_id, pay_code(api), [(goods["soap"]["id"], 1)]).status_code == 201

    def test_wrong_type_is_refused(self, api, shop_id, goods):
        r = send(api, shop_id, pay_code(api), [(goods["soap"]["id"], 1)], expected="5")
        assert r.status_code == 422


class TestConfirmation:
    def test_under_the_amount_no_question(self, api, shop_id, goods):
        r = send(api, shop_id, pay_code(api), [(goods["rice"]["id"], 3)], expected=90)
        assert r.status_code == 201

    def test_above_the_amount_waits_then_confirm(self, api, shop_id, goods):
        r = send(api, shop_id, pay_code(api), big(goods), expected=105, key="k-big")
        assert r.status_code == 202, r.text
        asked = r.json()
        assert asked["status"] == "pending" and asked["total_points"] == 105 and asked["household_name"] == "王*国"
        assert {i["name"] for i in asked["items"]} == {"测试大米", "测试肥皂"}
        assert balance(api) == 600 and stock(api, shop_id, goods["rice"]["id"]) == 3  # nothing moved yet
        mine = api.get("/me/confirmations", "villager").json()["items"]
        assert [c["id"] for c in mine] == [asked["id"]] and mine[0]["shop_name"] == "振风超市"
        # a retry of the counter's request meanwhile: the same question, not a second one
        again = send(api, shop_id, pay_code(api), big(goods), expected=105, key="k-big")
        assert again.status_code == 202 and again.json()["id"] == asked["id"]
        by_key = api.get(f"/shops/{shop_id}/redemptions/by-key/k-big", "attendant")
        assert by_key.status_code == 202 and by_key.json()["status"] == "pending"

        done = answer(api, asked["id"])
        assert done.status_code == 200, done.text
        receipt = done.json()["redemption"]
        assert done.json()["status"] == "confirmed" and receipt["total_points"] == 105
        assert balance(api) == 495 and stock(api, shop_id, goods["rice"]["id"]) == 0
        seen = poll(api, shop_id, asked["id"])
        assert seen["status"] == "confirmed" and seen["redemption"]["id"] == receipt["id"]
        by_key = api.get(f"/shops/{shop_id}/redemptions/by-key/k-big", "attendant")
        assert by_key.status_code == 200 and by_key.json()["id"] == receipt["id"]
        retry = send(api, shop_id, "ignored", big(goods), expected=105, key="k-big")
        assert retry.status_code == 409 and error_code(retry) == "idempotency_conflict"  # another body
        assert api.get("/me/confirmations", "villager").json()["items"] == []

    def test_refuse(self, api, shop_id, goods):
        asked = send(api, shop_id, pay_code(api), big(goods), expected=105).json()
        r = answer(api, asked["id"], "refuse")
        assert r.status_code == 200 and r.json()["status"] == "refused" and r.json()["redemption"] is None
        assert poll(api, shop_id, asked["id"])["status"] == "refused"
        late = answer(api, asked["id"])
        assert late.status_code == 409 and error_code(late) == "invalid_state"
        assert balance(api) == 600

    def test_timeout(self, api, shop_id, goods, demo_engine):
        asked = send(api, shop_id, pay_code(api), big(goods), expected=105).json()
        with session_for(demo_engine, write=True) as s:
            s.execute(update(RedemptionConfirmation).where(RedemptionConfirmation.id == asked["id"])
                      .values(expires_at=utcnow() - timedelta(seconds=1)))
            s.commit()
        assert poll(api, shop_id, asked["id"])["status"] == "expired"
        assert api.get("/me/confirmations", "villager").json()["items"] == []
        late = answer(api, asked["id"])
        assert late.status_code == 409 and error_code(late) == "invalid_state"
        assert "超时" in late.json()["error"]["message"]
        assert balance(api) == 600

    def test_confirm_after_the_code_itself_expired(self, api, shop_id, goods, demo_engine):
        """A code lives 60 s, the question 90 s: a code alive when the villager was asked still pays."""
        from app.shop.redemption.models import PayCode

        asked = send(api, shop_id, pay_code(api), big(goods), expected=105).json()
        with session_for(demo_engine, write=True) as s:
            s.execute(update(PayCode).values(expires_at=utcnow() - timedelta(seconds=1)))
            s.commit()
        assert answer(api, asked["id"]).status_code == 200 and balance(api) == 495

    def test_a_new_code_long_after_a_question_that_was_refused(self, api, shop_id, goods, demo_engine):
        """Old unused codes are dropped as new ones are made; one a question was asked with stays (it is on record)."""
        from app.shop.redemption.models import PayCode

        asked = send(api, shop_id, pay_code(api), big(goods), expected=105).json()
        assert answer(api, asked["id"], "refuse").status_code == 200
        with session_for(demo_engine, write=True) as s:  # the code and the question, an hour old
            s.execute(update(PayCode).values(expires_at=utcnow() - timedelta(hours=1)))
            s.commit()
        assert len(pay_code(api)) == 18  # a new code: was a 500 (the old one deleted under its question)
        assert poll(api, shop_id, asked["id"])["status"] == "refused"

    def test_confirm_twice(self, api, shop_id, goods):
        asked = send(api, shop_id, pay_code(api), big(goods), expected=105).json()
        first, second = answer(api, asked["id"]), answer(api, asked["id"])
        assert first.status_code == second.status_code == 200
        assert first.json()["redemption"]["id"] == second.json()["redemption"]["id"]
        assert balance(api) == 495
        assert answer(api, asked["id"], "refuse").status_code == 409

    def test_another_household_gets_404(self, api, shop_id, goods):
        asked = send(api, shop_id, pay_code(api), big(goods), expected=105).json()
        for who in ("volunteer", "neighbour", "official", "attendant"):
            r = answer(api, asked["id"], who=who)
            assert r.status_code == 404 and error_code(r) == "not_found", who
        assert api.get("/me/confirmations", "volunteer").json()["items"] == []
        assert api.get(f"/shops/{shop_id}/confirmations/{asked['id']}", "neighbour").status_code == 404
        assert poll(api, shop_id, asked["id"])["status"] == "pending" and balance(api) == 600

    def test_price_change_while_waiting(self, api, shop_id, goods):
        asked = send(api, shop_id, pay_code(api), big(goods), expected=105).json()
        rice = goods["rice"]
        raised = api.patch(f"/shops/{shop_id}/goods/{rice['id']}", "attendant", json={"points_price": 60})
        assert raised.status_code == 200
        r = answer(api, asked["id"])
        assert r.status_code == 409 and error_code(r) == "price_changed"
        seen = poll(api, shop_id, asked["id"])
        assert seen["status"] == "failed" and seen["error"]["code"] == "price_changed"
        assert balance(api) == 600 and stock(api, shop_id, rice["id"]) == 3
        assert answer(api, asked["id"]).status_code == 409  # ended

    def test_confirm_carries_the_total_it_agrees_to(self, api, shop_id, goods):
        """Issue #15: a 确认 of another total than the question's is refused (409 total_changed): nothing moves,
        the question stays open, and the 确认 of the total asked goes through."""
        asked = send(api, shop_id, pay_code(api), big(goods), expected=105).json()
        r = api.post(f"/me/confirmations/{asked['id']}", "villager", json={"decision": "confirm", "total_points": 100})
        assert r.status_code == 409 and error_code(r) == "total_changed"
        assert "105" in r.json()["error"]["message"] and "100" in r.json()["error"]["message"]
        assert poll(api, shop_id, asked["id"])["status"] == "pending"
        assert balance(api) == 600 and stock(api, shop_id, goods["rice"]["id"]) == 3
        r = api.post(f"/me/confirmations/{asked['id']}", "villager", json={"decision": "confirm", "total_points": 105})
        assert r.status_code == 200 and r.json()["redemption"]["total_points"] == 105 and balance(api) == 495

    def test_counter_cancels(self, api, shop_id, goods):
        asked = send(api, shop_id, pay_code(api), big(goods), expected=105).json()
        r = api.post(f"/shops/{shop_id}/confirmations/{asked['id']}/cancel", "attendant")
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        assert answer(api, asked["id"]).status_code == 409 and balance(api) == 600

    def test_same_code_new_basket_withdraws_the_first_question(self, api, shop_id, goods):
        code = pay_code(api)
        first = send(api, shop_id, code, big(goods), expected=105).json()
        second = send(api, shop_id, code, [(goods["rice"]["id"], 3), (goods["soap"]["id"], 4)], expected=110).json()
        assert poll(api, shop_id, first["id"])["status"] == "cancelled"
        assert answer(api, second["id"]).status_code == 200 and balance(api) == 490

    def test_not_enough_points_or_stock_refused_before_asking(self, api, shop_id, goods):
        r = send(api, shop_id, pay_code(api), [(goods["rice"]["id"], 4)], expected=120)
        assert r.status_code == 409 and error_code(r) == "out_of_stock"
        assert api.get("/me/confirmations", "villager").json()["items"] == []

    def test_household_card_keeps_its_pin_and_is_not_asked(self, api, shop_id, goods):
        hid = api.get("/me", "villager").json()["household_id"]
        card = api.post(f"/households/{hid}/cards", "official", json={"pin": "2468"}).json()
        unlocked = api.post(f"/shops/{shop_id}/card-unlock", "attendant",
                            json={"card_code": card["card_code"], "pin": "2468"}).json()
        r = send(api, shop_id, unlocked["pay_code"], big(goods), expected=105)
        assert r.status_code == 201 and balance(api) == 495

    def test_code_used_meanwhile(self, api, shop_id, goods):
        """The same code paid a small basket at once while the big one waited: the big one fails, nothing twice."""
        code = pay_code(api)
        asked = send(api, shop_id, code, big(goods), expected=105).json()
        assert send(api, shop_id, code, [(goods["soap"]["id"], 1)], expected=5).status_code == 201
        r = answer(api, asked["id"])
        assert r.status_code == 409 and error_code(r) == "pay_code_used"
        assert poll(api, shop_id, asked["id"])["error"]["code"] == "pay_code_used" and balance(api) == 595


@pytest.mark.sqlite_only
class TestVillageAmount:
    def test_official_sets_it_and_it_is_audited(self, api, shop_id, goods):
        hid = api.get("/me", "villager").json()["household_id"]
        village_id = api.get(f"/households/{hid}", "official").json()["village_id"]
        url = f"/api/v1/villages/{village_id}/shop-settings"
        assert api.client.get(url, headers=api.headers("villager")).json() == {"village_id": village_id,
                                                                                "confirm_above": 100}
        r = api.client.put(url, headers=api.headers("official"), json={"confirm_above": 200})
        assert r.status_code == 200 and r.json()["confirm_above"] == 200
        assert send(api, shop_id, pay_code(api), big(goods), expected=105).status_code == 201
        assert api.client.put(url, headers=api.headers("attendant"), json={"confirm_above": 1}).status_code == 403
        assert api.client.put(url, headers=api.headers("villager"), json={"confirm_above": 1}).status_code == 403
        for bad in (-1, 100_001, "50", True):
            assert api.client.put(url, headers=api.headers("official"), json={"confirm_above": bad}).status_code == 422
        audit = api.get(f"/villages/{village_id}/audit", "official").json()["items"]
        assert audit[0]["action"] == "village.settings"  # one audit action for every village rule (issue #16)

    def test_township_id_is_not_a_village(self, api):
        r = api.client.get("/api/v1/villages/99999/shop-settings", headers=api.headers("official"))
        assert r.status_code == 404


def test_confirms_at_once_move_points_once(demo_engine, api, shop_id, goods):
    """Eight answers of 确认 (and refusals) at the same moment, through the service as the route calls it: one
    redemption, the others get the same receipt or a refusal; the ledger still adds up."""
    from app.ledger.check import check_ledger
    from app.org.access import load_actor
    from app.org.models import User
    from app.shop.redemption import confirmations
    from app.shop.redemption.models import Redemption
    from tests.conftest import TEST_SECRET
    from tests.ledger.test_races import in_transaction, run_all

    asked = send(api, shop_id, pay_code(api), big(goods), expected=105).json()

    def answer_at_once(i):
        def body(s):
            actor = load_actor(s, s.exec(select(User).where(User.phone == "13800000004")).one())
            row = s.get(RedemptionConfirmation, asked["id"])
            outcome = confirmations.decide(s, actor=actor, row=row, decision="confirm" if i % 4 else "refuse",
                                           secret=TEST_SECRET)
            return outcome.confirmation.status
        return in_transaction(demo_engine, body)

    results = run_all(8, answer_at_once)
    statuses = [r if isinstance(r, str) else type(r).__name__ for r in results]
    assert set(statuses) <= {"confirmed", "refused", "InvalidState"}, statuses
    with session_for(demo_engine, write=False) as s:
        made = s.exec(select(Redemption).where(Redemption.household_id == asked["household_id"])).all()
        final = s.get(RedemptionConfirmation, asked["id"]).status
        assert check_ledger(s) == []
    if final == "confirmed":
        assert len(made) == 1 and balance(api) == 495 and "refused" not in statuses
    else:
        assert final == "refused" and made == [] and balance(api) == 600 and "confirmed" not in statuses
