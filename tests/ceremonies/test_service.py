"""婚丧事 through the service, on SQLite and PostgreSQL: an outcome within the standards credits the village's points
once however often or concurrently it is recorded; over the standards nothing; 回避 (one's own household, a filing
one made on its behalf); the ledger's limits send a large credit to a second person."""

import pytest
from sqlmodel import select

from app.ceremonies import service
from app.ceremonies.access import visible_filing
from app.db import session_for
from app.errors import ConflictOfInterest, InvalidState, ValidationFailed
from app.ledger.models import AwardRequest, TxnKind
from app.org.access import load_actor
from app.org.models import User
from tests.ceremonies.conftest import balance, credits, day, file, wang
from tests.conftest import add_person
from tests.ledger.test_races import in_transaction, run_all

ACTUAL = {"tables": 8, "guests": 78, "cost": 14_000, "within": None, "note": ""}


def record(engine, phone: str, filing_id: int, **changes):
    def body(session):
        actor = load_actor(session, session.exec(select(User).where(User.phone == phone)).one())
        filing = service.record_outcome(session, actor=actor, filing=visible_filing(session, actor, filing_id),
                                        **{**ACTUAL, **changes})
        return filing.status, filing.within, filing.points
    return in_transaction(engine, body)


def acknowledge(engine, phone: str, filing_id: int):
    def body(session):
        actor = load_actor(session, session.exec(select(User).where(User.phone == phone)).one())
        return service.acknowledge(session, actor=actor, filing=visible_filing(session, actor, filing_id),
                                   advice="").status
    return in_transaction(engine, body)


class TestOutcome:
    def test_within_the_standards_credits_the_villages_points_once(self, api, demo_engine, filing_id):
        household = wang(demo_engine)
        before = balance(demo_engine, household.id)
        assert record(demo_engine, "13800000001", filing_id) == ("done", True, 10)
        assert record(demo_engine, "13800000005", filing_id) == ("done", True, 10)  # again: the first outcome
        assert balance(demo_engine, household.id) == before + 10 and credits(demo_engine, filing_id) == 1
        history = api.get(f"/households/{household.id}/ledger", "villager").json()["items"]
        assert history[0]["kind"] == "ceremony" and history[0]["amount"] == 10

    def test_two_council_members_at_once_credit_once(self, api, demo_engine, filing_id):
        household = wang(demo_engine)
        before = balance(demo_engine, household.id)
        phones = ["13800000001", "13800000005"] * 3
        results = run_all(len(phones), lambda i: record(demo_engine, phones[i], filing_id))
        assert results == [("done", True, 10)] * len(phones), results
        assert balance(demo_engine, household.id) == before + 10 and credits(demo_engine, filing_id) == 1

    def test_over_the_standards_or_the_councils_no_credits_nothing(self, api, demo_engine, filing_id):
        household = wang(demo_engine)
        before = balance(demo_engine, household.id)
        with pytest.raises(ValidationFailed, match="酒席桌数 15 超过标准 10"):
            record(demo_engine, "13800000001", filing_id, tables=15, within=True)
        assert record(demo_engine, "13800000001", filing_id, tables=15) == ("done", False, 0)
        assert balance(demo_engine, household.id) == before and credits(demo_engine, filing_id) == 0
        second = file(api, kind="funeral", event_date=day(-1))["id"]
        assert acknowledge(demo_engine, "13800000001", second) == "acknowledged"
        assert record(demo_engine, "13800000001", second, within=False) == ("done", False, 0)  # 礼金超标: their word
        assert balance(demo_engine, household.id) == before

    def test_not_before_it_is_acknowledged_nor_before_the_day(self, api, demo_engine):
        waiting = file(api)["id"]
        with pytest.raises(InvalidState, match="请先备案"):
            record(demo_engine, "13800000001", waiting)
        later = file(api, event_date=day(3))["id"]
        assert acknowledge(demo_engine, "13800000001", later) == "acknowledged"
        with pytest.raises(InvalidState, match="办完事后"):
            record(demo_engine, "13800000001", later)

    def test_above_the_villages_limit_the_credit_waits_for_a_second_person(self, api, demo_engine, filing_id):
        household = wang(demo_engine)
        assert api.client.put(f"/api/v1/villages/{household.village_id}/award-limits",
                              headers=api.headers("town_admin"),
                              json={"single_limit": 5, "monthly_limit": 500}).status_code == 200
        before = balance(demo_engine, household.id)
        assert record(demo_engine, "13800000001", filing_id) == ("done", True, 10)
        assert balance(demo_engine, household.id) == before and credits(demo_engine, filing_id) == 0
        waiting = api.get(f"/ceremonies/{filing_id}", "villager").json()
        assert waiting["credit_status"] == "pending"
        rows = api.get("/points/awards/pending", "town_admin").json()["items"]
        assert [(r["points"], r["source_kind"]) for r in rows if r["source_id"] == filing_id] == [(10, "ceremony")]


class TestRecusal:
    def test_nobody_acknowledges_or_records_their_own_households_filing(self, api, demo_engine):
        household = wang(demo_engine)
        add_person(demo_engine, phone="13900000021", name="王二", role="official", unit="示范村",
                   household_id=household.id)
        filing = file(api)["id"]
        with pytest.raises(ConflictOfInterest):
            acknowledge(demo_engine, "13900000021", filing)
        assert acknowledge(demo_engine, "13800000005", filing) == "acknowledged"
        with pytest.raises(ConflictOfInterest):
            record(demo_engine, "13900000021", filing)
        assert record(demo_engine, "13800000005", filing)[0] == "done"

    def test_an_official_who_filed_on_a_households_behalf_leaves_it_to_another(self, api, demo_engine):
        li = api.get("/me", "volunteer").json()["household_id"]
        filing = file(api, "official", household_id=li)
        assert filing["household_id"] == li and filing["filed_by_id"] == api.get("/me", "official").json()["id"]
        with pytest.raises(ConflictOfInterest):
            acknowledge(demo_engine, "13800000001", filing["id"])
        assert acknowledge(demo_engine, "13800000005", filing["id"]) == "acknowledged"
        with pytest.raises(ConflictOfInterest):
            record(demo_engine, "13800000001", filing["id"])
        before = balance(demo_engine, li)
        assert record(demo_engine, "13800000005", filing["id"]) == ("done", True, 10)
        assert balance(demo_engine, li) == before + 10
        with session_for(demo_engine, write=False) as s:
            request = s.exec(select(AwardRequest).where(AwardRequest.source_kind == TxnKind.ceremony)).one()
            assert request.proposed_by_id == api.get("/me", "committee").json()["id"]
