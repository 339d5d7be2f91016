"""Direct awards above a village's limits wait for a second person (issue #8), on SQLite and PostgreSQL."""

from sqlmodel import select

from app.db import session_for, write_session
from app.ledger import approvals
from app.ledger.check import check_ledger
from app.ledger.models import AwardRequest, LedgerTransaction, TxnKind
from app.org.access import load_actor
from app.org.models import Household, OrgUnit, Role, User
from tests.conftest import add_person, error_code
from tests.ledger.test_races import run_all

SECOND = "13800000088"


def zhao(engine) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(Household.id).where(Household.head_name == "赵德明")).one()


def second_official(engine, phone=SECOND, village="示范村") -> str:
    return add_person(engine, phone=phone, name="王主任", role=Role.official, unit=village)


def award(api, hid, points, who="official", key=None):
    return api.post("/points/awards", who, key=key, json={"household_id": hid, "points": points, "reason": "修桥补路"})


def balance(api, hid) -> int:
    return api.get(f"/households/{hid}", "official").json()["balance"]


def test_within_limits_posts_at_once(api, demo_engine):
    hid = zhao(demo_engine)
    r = award(api, hid, 200)
    assert r.status_code == 201 and r.json()["status"] == "posted" and r.json()["balance_after"] == 280


def test_above_the_single_limit_waits_for_another_official(api, demo_engine):
    hid, other = zhao(demo_engine), second_official(demo_engine)
    r = award(api, hid, 201, key="big")
    assert r.status_code == 202 and r.json()["status"] == "pending" and balance(api, hid) == 80
    again = award(api, hid, 201, key="big")
    assert again.json()["id"] == r.json()["id"]  # a retried request waits once
    waiting = api.get("/points/awards/pending", "town_admin").json()["items"]
    assert [w["id"] for w in waiting] == [r.json()["id"]]
    assert [w["id"] for w in api.get("/points/awards/pending", "official").json()["items"]] == [r.json()["id"]]
    assert api.post(f"/points/awards/{r.json()['id']}/approve", "official").status_code == 403  # not one's own
    assert api.post(f"/points/awards/{r.json()['id']}/approve", "villager").status_code in (403, 404)
    ok = api.post(f"/points/awards/{r.json()['id']}/approve", other)
    assert ok.status_code == 200 and ok.json()["status"] == "posted" and ok.json()["balance_after"] == 281
    assert api.post(f"/points/awards/{r.json()['id']}/approve", "town_admin").json()["id"] == ok.json()["id"]
    assert balance(api, hid) == 281 and api.get("/points/awards/pending", "town_admin").json()["items"] == []
    # the posted award reverses like any other
    undo = api.post(f"/points/awards/{ok.json()['id']}/reversal", "official", json={"reason": "错了"})
    assert undo.status_code == 201


def test_monthly_total_of_direct_awards(api, demo_engine):
    hid = zhao(demo_engine)
    assert award(api, hid, 200).status_code == 201
    assert award(api, hid, 200).status_code == 201
    r = award(api, hid, 101)  # 501 this month
    assert r.status_code == 202
    assert api.post(f"/points/awards/{r.json()['id']}/approve", "town_admin").status_code == 200
    assert balance(api, hid) == 80 + 501


def test_limits_are_set_by_the_town(api, demo_engine):
    with session_for(demo_engine, write=False) as s:
        village = s.exec(select(OrgUnit.id).where(OrgUnit.name == "示范村")).one()
    url = f"/api/v1/villages/{village}/award-limits"
    body = {"single_limit": 50, "monthly_limit": 100}
    assert api.client.put(url, headers=api.headers("official"), json=body).status_code == 403
    assert api.client.put(url, headers=api.headers("neighbour"), json=body).status_code == 404
    assert error_code(api.client.put(url, headers=api.headers("town_admin"),
                                     json={"single_limit": 0, "monthly_limit": 1})) == "validation_error"
    assert api.client.put(url, headers=api.headers("town_admin"), json=body).status_code == 200
    assert api.get(f"/villages/{village}/award-limits", "official").json()["single_limit"] == 50
    assert award(api, zhao(demo_engine), 51).status_code == 202


def test_another_village_cannot_approve(api, demo_engine):
    second_official(demo_engine, "13800000077", "邻村")
    r = award(api, zhao(demo_engine), 300)
    assert api.post(f"/points/awards/{r.json()['id']}/approve", "13800000077").status_code == 404
    assert api.get("/points/awards/pending", "13800000077").json()["items"] == []


def test_concurrent_approvals_post_once(api, demo_engine):
    hid = zhao(demo_engine)
    second_official(demo_engine)
    request_id = award(api, hid, 300).json()["id"]

    def work(i):
        with write_session(demo_engine) as session:
            phone = SECOND if i % 2 else "13800000006"
            actor = load_actor(session, session.exec(select(User).where(User.phone == phone)).one())
            got = approvals.approve_award(session, actor=actor,
                                          request=approvals.visible_request(session, actor, request_id))
            session.commit()
            return got.id

    results = run_all(10, work)
    assert len(set(results)) == 1 and all(isinstance(r, int) for r in results), results
    with session_for(demo_engine, write=False) as s:
        txns = s.exec(select(LedgerTransaction).where(LedgerTransaction.kind == TxnKind.award,
                                                      LedgerTransaction.id == results[0])).all()
        assert len(txns) == 1
        assert s.get(AwardRequest, request_id).transaction_id == results[0]
        assert check_ledger(s) == []
    assert balance(api, hid) == 380
