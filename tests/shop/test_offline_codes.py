"""Offline pay codes (离线码, issue #21 item 3) on SQLite and PostgreSQL: a batch fetched while online, each code
good once, capped by the village, dead after 24 hours, revocable one by one, all at once (挂失) and by an official,
checked at the counter as any code, and purged once dead."""

from datetime import timedelta

import pytest
from sqlmodel import select

from app.audit.models import AuditEntry
from app.db import session_for
from app.errors import OfflineCapExceeded, PayCodeUsed
from app.ledger.check import check_ledger
from app.org.access import load_actor
from app.org.models import Household, User
from app.purge import purge
from app.shop.models import ShopAction
from app.shop.redemption.models import PayCode, Redemption
from app.shop.redemption.offline import BATCH, issue_offline_codes
from app.timeutil import as_utc, utcnow
from tests.conftest import TEST_SECRET, add_person, error_code
from tests.ledger.test_races import run_all
from tests.shop.conftest import balance, redeem
from tests.shop.test_races import redeem_as, setup


def fetch(api, who="villager") -> list[dict]:
    r = api.post("/me/offline-codes", who)
    assert r.status_code == 201, r.text
    return r.json()["items"]


def delete(api, path, who="villager"):
    return api.client.delete(f"/api/v1{path}", headers=api.headers(who))


def household_id(api, who="villager") -> int:
    return api.get("/me", who).json()["household_id"]


class TestBatch:
    def test_a_few_capped_codes_for_a_day(self, api):
        items = fetch(api)
        assert len(items) == BATCH
        assert len({c["code"] for c in items}) == BATCH
        for c in items:
            assert c["code"].isdigit() and len(c["code"]) == 18
            assert c["cap"] == 100
            assert c["qr_data_uri"].startswith("data:image/svg+xml;base64,")
        listed = api.get("/me/offline-codes", "villager").json()["items"]
        assert {c["id"] for c in listed} == {c["id"] for c in items}
        assert {c["status"] for c in listed} == {"live"}

    def test_stored_hashed(self, api, session):
        items = fetch(api)
        stored = session.exec(select(PayCode.code_hash).where(PayCode.offline_cap.is_not(None))).all()
        assert stored and not {c["code"] for c in items} & set(stored)

    def test_a_new_batch_replaces_the_unused_ones(self, api, shop_id, goods):
        first = fetch(api)
        assert redeem(api, shop_id, first[0]["code"], [(goods["soap"]["id"], 1)]).status_code == 201
        fetch(api)
        r = redeem(api, shop_id, first[1]["code"], [(goods["soap"]["id"], 1)])
        assert r.status_code == 410 and error_code(r) == "pay_code_revoked"
        states = {c["id"]: c["status"] for c in api.get("/me/offline-codes", "villager").json()["items"]}
        assert states[first[0]["id"]] == "used" and states[first[1]["id"]] == "revoked"

    def test_no_household_no_codes(self, api):
        r = api.post("/me/offline-codes", "attendant")
        assert r.status_code in (403, 404, 409), r.text

    @pytest.mark.sqlite_only
    def test_fetching_over_and_over_is_throttled(self, api):
        for _ in range(10):
            fetch(api)
        r = api.post("/me/offline-codes", "villager")
        assert r.status_code == 429 and error_code(r) == "rate_limited"


class TestAtTheCounter:
    def test_redeemed_once_like_any_code(self, api, shop_id, goods):
        code = fetch(api)[0]["code"]
        before = balance(api)
        r = redeem(api, shop_id, code, [(goods["soap"]["id"], 2)])
        assert r.status_code == 201, r.text
        assert balance(api) == before - 10
        again = redeem(api, shop_id, code, [(goods["soap"]["id"], 1)])
        assert again.status_code == 409 and error_code(again) == "pay_code_used"

    def test_counter_look_up_says_whose(self, api, shop_id):
        code = fetch(api)[0]["code"]
        r = api.post(f"/shops/{shop_id}/payer", "attendant", json={"pay_code": code})
        assert r.status_code == 200 and "*" in r.json()["household_name"]

    def test_over_the_cap_is_refused_and_nothing_moves(self, api, shop_id, goods):
        code = fetch(api)[0]["code"]
        before = balance(api)
        r = redeem(api, shop_id, code, [(goods["soap"]["id"], 3), (goods["rice"]["id"], 3)])  # 105
        assert r.status_code == 409 and error_code(r) == "offline_cap_exceeded"
        assert "100" in r.json()["error"]["message"]
        assert balance(api) == before
        ok = redeem(api, shop_id, code, [(goods["rice"]["id"], 3), (goods["soap"]["id"], 2)])  # 100: the cap itself
        assert ok.status_code == 201, ok.text

    def test_the_village_sets_the_cap_and_no_question_goes_to_the_phone(self, api, shop_id, goods):
        vid = api.get("/me", "official").json()["village_id"]
        r = api.client.put(f"/api/v1/villages/{vid}/offline-code-settings", headers=api.headers("official"),
                           json={"offline_cap": 200})
        assert r.status_code == 200 and r.json()["offline_cap"] == 200
        code = fetch(api)[0]["code"]
        assert fetch_cap(api) == 200
        # 140 points: above the village's confirmation amount (100), yet an offline phone cannot be asked
        r = redeem(api, shop_id, code, [(goods["soap"]["id"], 10), (goods["rice"]["id"], 3)])
        assert r.status_code == 201, r.text
        assert r.json()["total_points"] == 140

    def test_only_officials_set_the_cap(self, api):
        vid = api.get("/me", "official").json()["village_id"]
        for who, body, status in (("villager", {"offline_cap": 5}, 403), ("official", {"offline_cap": -1}, 422),
                                  ("official", {"offline_cap": 10**30}, 422), ("neighbour", {"offline_cap": 5}, 404)):
            r = api.client.put(f"/api/v1/villages/{vid}/offline-code-settings", headers=api.headers(who), json=body)
            assert r.status_code == status, (who, body, r.text)
        r = api.client.put(f"/api/v1/villages/{vid}/offline-code-settings", headers=api.headers("official"),
                           json={"offline_cap": 0})
        assert r.status_code == 200
        r = api.post("/me/offline-codes", "villager")
        assert r.status_code == 409 and "没有开通" in r.json()["error"]["message"]

    def test_dead_after_24_hours(self, api, shop_id, goods, demo_engine):
        with session_for(demo_engine, write=True) as s:
            user = s.exec(select(User).where(User.phone == "13800000004")).one()
            household = s.get(Household, user.household_id)
            actor = load_actor(s, user)
            old = issue_offline_codes(s, actor=actor, household=household, secret=TEST_SECRET,
                                      now=utcnow() - timedelta(hours=24, seconds=1))[0].code
            s.commit()
            young = issue_offline_codes(s, actor=actor, household=household, secret=TEST_SECRET,
                                        now=utcnow() - timedelta(hours=23, minutes=59))[0]
            s.commit()
            assert as_utc(young.row.expires_at) - as_utc(young.row.created_at) == timedelta(hours=24)
        r = redeem(api, shop_id, old, [(goods["soap"]["id"], 1)])
        assert r.status_code == 410 and error_code(r) == "pay_code_expired"
        assert redeem(api, shop_id, young.code, [(goods["soap"]["id"], 1)]).status_code == 201

    def test_another_village_cannot_use_it(self, api, shop_id, goods):
        code = fetch(api, "neighbour")[0]["code"]
        r = redeem(api, shop_id, code, [(goods["soap"]["id"], 1)])
        assert r.status_code == 400 and error_code(r) == "invalid_pay_code"


def fetch_cap(api) -> int:
    return api.get("/me/offline-codes", "villager").json()["items"][0]["cap"]


class TestRevoke:
    def test_one_by_one(self, api, shop_id, goods):
        items = fetch(api)
        assert delete(api, f"/me/offline-codes/{items[0]['id']}").status_code == 204
        assert delete(api, f"/me/offline-codes/{items[0]['id']}").status_code == 204  # again: the same
        r = redeem(api, shop_id, items[0]["code"], [(goods["soap"]["id"], 1)])
        assert r.status_code == 410 and error_code(r) == "pay_code_revoked"
        assert "挂失" in r.json()["error"]["message"]
        assert redeem(api, shop_id, items[1]["code"], [(goods["soap"]["id"], 1)]).status_code == 201
        r = delete(api, f"/me/offline-codes/{items[1]['id']}")
        assert r.status_code == 409  # used: nothing to revoke

    def test_not_anyone_elses(self, api):
        mine = fetch(api)[0]["id"]
        assert delete(api, f"/me/offline-codes/{mine}", "neighbour").status_code == 404
        assert delete(api, f"/me/offline-codes/{mine}", "volunteer").status_code == 404
        assert delete(api, f"/me/offline-codes/{2**63}", "villager").status_code in (404, 422)

    def test_phone_lost_stops_them_all_and_keeps_what_was_used(self, api, shop_id, goods, session):
        items = fetch(api)
        assert redeem(api, shop_id, items[0]["code"], [(goods["soap"]["id"], 1)]).status_code == 201
        assert delete(api, "/me/offline-codes").status_code == 204
        for c in items[1:]:
            r = redeem(api, shop_id, c["code"], [(goods["soap"]["id"], 1)])
            assert r.status_code == 410 and error_code(r) == "pay_code_revoked"
        states = {c["id"]: c for c in api.get("/me/offline-codes", "villager").json()["items"]}
        assert states[items[0]["id"]]["status"] == "used"
        assert states[items[0]["id"]]["receipt"]["total_points"] == 5
        assert {states[c["id"]]["status"] for c in items[1:]} == {"revoked"}
        session.rollback()
        assert session.exec(select(AuditEntry).where(AuditEntry.action == ShopAction.offline_codes_revoke)).first()

    def test_by_an_official(self, api, shop_id, goods, demo_engine):
        items = fetch(api)
        hid = household_id(api)
        assert api.post(f"/households/{hid}/offline-codes/revoke", "villager").status_code in (403, 404)
        assert api.post(f"/households/{hid}/offline-codes/revoke", "neighbour").status_code in (403, 404)
        add_person(demo_engine, phone="13900000071", name="邻村干部", role="official", unit="邻村")
        assert api.post(f"/households/{hid}/offline-codes/revoke", "13900000071").status_code == 404
        r = api.post(f"/households/{hid}/offline-codes/revoke", "official")
        assert r.status_code == 200 and r.json()["revoked"] == BATCH
        r = redeem(api, shop_id, items[2]["code"], [(goods["soap"]["id"], 1)])
        assert r.status_code == 410 and error_code(r) == "pay_code_revoked"


def test_ten_counters_one_code(demo_engine):
    shop_id, goods_id, household_id, staff = setup(demo_engine, price=3, stock=100, attendants=10)
    with session_for(demo_engine, write=True) as s:
        household = s.get(Household, household_id)
        member = s.exec(select(User).where(User.household_id == household_id)).first()
        code = issue_offline_codes(s, actor=load_actor(s, member), household=household, secret=TEST_SECRET)[0].code
        s.commit()
    results = run_all(10, lambda i: redeem_as(demo_engine, staff[i], shop_id, goods_id, code))
    ok = [r for r in results if not isinstance(r, Exception)]
    assert len(ok) == 1, results
    assert all(isinstance(r, PayCodeUsed) for r in results if isinstance(r, Exception)), results
    with session_for(demo_engine, write=False) as s:
        assert len(s.exec(select(Redemption).where(Redemption.household_id == household_id,
                                                   Redemption.shop_id == shop_id)).all()) >= 1
        assert check_ledger(s) == []


def test_cap_refused_in_the_service_too(demo_engine):
    shop_id, goods_id, household_id, staff = setup(demo_engine, price=60, stock=10)
    with session_for(demo_engine, write=True) as s:
        household = s.get(Household, household_id)
        member = s.exec(select(User).where(User.household_id == household_id)).first()
        code = issue_offline_codes(s, actor=load_actor(s, member), household=household, secret=TEST_SECRET)[0].code
        s.commit()
    with pytest.raises(OfflineCapExceeded):
        redeem_as(demo_engine, staff[0], shop_id, goods_id, code, quantity=2)


def test_purge_removes_dead_offline_codes(api, demo_engine):
    items = fetch(api)
    purge(demo_engine, now=utcnow() + timedelta(hours=25))
    with session_for(demo_engine, write=False) as s:
        left = s.exec(select(PayCode.id).where(PayCode.id.in_([c["id"] for c in items]))).all()
    assert left == []
