"""回避 and the one credit policy at the ledger's door (issue #15, reliability.md I10), on SQLite and PostgreSQL:
nobody decides a credit to their own household; every door's credit is counted against the same village limits and,
above them, waits for a second person who is neither its proposer nor a member of the household."""

import pytest
from sqlmodel import select

from app.audit.models import AuditEntry
from app.db import session_for
from app.ledger.models import AwardRequest, LedgerTransaction, TxnKind
from app.ledger.service import Once, Source, credit_household
from app.org.access import load_actor, may_decide_for
from app.org.models import Household, OrgUnit, User
from tests.conftest import error_code
from tests.ledger.test_award_limits import award, balance, second_official, zhao
from tests.shop.pages.conftest import Browser


def join_household(engine, phone: str, household_id: int) -> None:
    with session_for(engine, write=True) as s:
        user = s.exec(select(User).where(User.phone == phone)).one()
        user.household_id = household_id
        s.add(user)
        s.commit()


def village_id(engine) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(OrgUnit.id).where(OrgUnit.name == "示范村")).one()


def credit(engine, *, kind: str, points: int, household_id: int, key: str, actor_phone: str | None = None):
    """A credit through the ledger's door as another domain makes it (an evaluation result, service hours)."""
    with session_for(engine, write=True) as s:
        actor = s.exec(select(User).where(User.phone == actor_phone)).one() if actor_phone else None
        result = credit_household(s, household=s.get(Household, household_id), points=points, reason="门的测试",
                                  category=None, source=Source(TxnKind(kind), 7), actor_id=actor.id if actor else None,
                                  once=Once(f"{kind}:7", key))
        s.commit()
        return result


class TestRecusal:
    def test_an_official_does_not_award_their_own_household(self, api, demo_engine):
        hid = zhao(demo_engine)
        join_household(demo_engine, "13800000001", hid)
        r = award(api, hid, 5)
        assert r.status_code == 403 and error_code(r) == "conflict_of_interest"
        assert "自己家" in r.json()["error"]["message"]
        assert balance(api, hid) == 80
        assert award(api, 1, 5).status_code == 201  # another household of the village: as before

    def test_the_proposer_does_not_approve(self, api, demo_engine):
        hid = zhao(demo_engine)
        waiting = award(api, hid, 201).json()
        r = api.post(f"/points/awards/{waiting['id']}/approve", "official")
        assert r.status_code == 403 and error_code(r) == "conflict_of_interest"
        assert balance(api, hid) == 80

    def test_a_member_of_the_household_does_not_approve(self, api, demo_engine):
        hid = zhao(demo_engine)
        other = second_official(demo_engine)
        join_household(demo_engine, other, hid)
        waiting = award(api, hid, 201).json()
        r = api.post(f"/points/awards/{waiting['id']}/approve", other)
        assert r.status_code == 403 and error_code(r) == "conflict_of_interest"
        assert balance(api, hid) == 80
        assert api.post(f"/points/awards/{waiting['id']}/approve", "town_admin").status_code == 200
        assert balance(api, hid) == 281

    def test_the_rule_itself(self, demo_engine):
        with session_for(demo_engine, write=False) as s:
            volunteer = load_actor(s, s.exec(select(User).where(User.phone == "13800000003")).one())
            own = volunteer.user.household_id
            assert not may_decide_for(volunteer, own)
            assert may_decide_for(volunteer, own + 1)
            assert not may_decide_for(volunteer, own + 1, involved=[volunteer.id])
            assert may_decide_for(None, own)  # the system, acting on a rule


class TestOneCreditPolicy:
    @pytest.mark.parametrize("kind", [TxnKind.evaluation, TxnKind.service])
    def test_every_door_waits_above_the_single_limit(self, api, demo_engine, kind):
        hid = zhao(demo_engine)
        result = credit(demo_engine, kind=kind, points=24_000, household_id=hid, key="big", actor_phone="13800000001")
        assert result.status == "pending" and balance(api, hid) == 80
        again = credit(demo_engine, kind=kind, points=24_000, household_id=hid, key="big",
                       actor_phone="13800000001")
        assert again.id == result.id  # the door's once holds for a waiting credit too
        waiting = api.get("/points/awards/pending", "town_admin").json()["items"]
        assert [w["id"] for w in waiting] == [result.id]
        assert error_code(api.post(f"/points/awards/{result.id}/approve", "official")) == "conflict_of_interest"
        ok = api.post(f"/points/awards/{result.id}/approve", "town_admin")
        assert ok.status_code == 200 and ok.json()["balance_after"] == 80 + 24_000
        with session_for(demo_engine, write=False) as s:
            txn = s.get(LedgerTransaction, ok.json()["id"])
            assert (txn.kind, txn.source_id) == (kind, 7)  # posted as what it is, from where it came
        assert api.post(f"/points/awards/{result.id}/approve", "town_admin").json()["id"] == ok.json()["id"]
        assert balance(api, hid) == 80 + 24_000

    def test_a_household_month_counts_every_door(self, api, demo_engine):
        hid = zhao(demo_engine)
        assert credit(demo_engine, kind="evaluation", points=200, household_id=hid, key="a").status == "posted"
        assert credit(demo_engine, kind="service", points=200, household_id=hid, key="b").status == "posted"
        r = award(api, hid, 101)  # 501 this month, by three doors
        assert r.status_code == 202 and r.json()["status"] == "pending"
        late = credit(demo_engine, kind="service", points=1, household_id=hid, key="c")
        assert late.status == "pending"  # and the month is full for the other doors as well
        assert balance(api, hid) == 80 + 400

    def test_a_system_credit_is_approved_by_any_disinterested_official(self, api, demo_engine):
        hid = zhao(demo_engine)
        result = credit(demo_engine, kind="service", points=999, household_id=hid, key="sys")
        assert result.status == "pending"
        assert api.post(f"/points/awards/{result.id}/approve", "official").status_code == 200

    def test_the_pending_credit_is_on_the_record(self, demo_engine):
        hid = zhao(demo_engine)
        result = credit(demo_engine, kind="service", points=999, household_id=hid, key="rec",
                        actor_phone="13800000001")
        with session_for(demo_engine, write=False) as s:
            row = s.get(AwardRequest, result.id)
            assert (row.source_kind, row.source_id, row.status) == ("service", 7, "pending")
            line = s.exec(select(AuditEntry).where(AuditEntry.action == "points.award_pending")
                          .order_by(AuditEntry.id.desc())).first()
            assert line.target_id == hid and '"source": "service"' in line.detail


class TestTheTownsBounds:
    def test_only_the_town_sets_them_and_each_change_is_audited(self, api, demo_engine):
        vid = village_id(demo_engine)
        for path, body in ((f"/villages/{vid}/evaluation-settings", {"min_notice_days": 0}),
                           (f"/villages/{vid}/service-bounds", {"max_points_per_hour": 1000}),
                           (f"/villages/{vid}/award-limits", {"single_limit": 100_000, "monthly_limit": 100_000})):
            r = api.client.put(f"/api/v1{path}", headers=api.headers("official"), json=body)
            assert r.status_code == 403, path
        assert api.get(f"/villages/{vid}/evaluation-settings", "official").json()["min_notice_days"] == 3
        assert api.get(f"/villages/{vid}/service-bounds", "official").json() == {
            "village_id": vid, "max_points_per_hour": 20, "max_service_cap": 300}
        r = api.client.put(f"/api/v1/villages/{vid}/evaluation-settings", headers=api.headers("town_admin"),
                           json={"min_notice_days": 5})
        assert r.status_code == 200 and r.json()["min_notice_days"] == 5
        r = api.client.put(f"/api/v1/villages/{vid}/service-bounds", headers=api.headers("town_admin"),
                           json={"max_points_per_hour": 15})
        assert r.json()["max_points_per_hour"] == 15 and r.json()["max_service_cap"] == 300
        with session_for(demo_engine, write=False) as s:
            lines = s.exec(select(AuditEntry).where(AuditEntry.action == "village.settings")
                           .order_by(AuditEntry.id)).all()
        assert ['"min_notice_days": [3, 5]' in lines[0].detail, '"max_points_per_hour": [20, 15]' in lines[1].detail
                ] == [True, True]
        shown = [line["summary"] for line in api.get(f"/villages/{vid}/audit", "official").json()["items"]
                 if line["action"] == "village.settings"]
        assert shown[:2] == ["每小时服务积分上限：20 → 15", "最短公示天数：3 → 5"]  # the log in words, newest first

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("body", [{"min_notice_days": 31}, {"min_notice_days": -1}, {"min_notice_days": 1.5},
                                      {"min_notice_days": "3"}, {"min_notice_days": 10**20}])
    def test_out_of_bounds_is_refused(self, api, demo_engine, body):
        vid = village_id(demo_engine)
        r = api.client.put(f"/api/v1/villages/{vid}/evaluation-settings", headers=api.headers("town_admin"), json=body)
        assert r.status_code == 422



@pytest.mark.sqlite_only
def test_the_town_sets_the_bounds_on_its_page(api, demo_engine):
    web, vid = Browser(api.client), village_id(demo_engine)
    form = {"village_id": str(vid), "max_points_per_hour": "12", "max_service_cap": "240", "min_notice_days": "5"}
    web.sign_in("official")
    assert "修改规则上限" not in web.get("/evaluation/awards").text
    assert web.post("/evaluation/awards/bounds", form).status_code == 403
    web.sign_in("town_admin")
    assert web.post("/evaluation/awards/bounds", form).status_code == 303
    page = web.get("/evaluation/awards?done=bounds").text
    assert "规则上限已保存" in page and "每小时不超过 12 分、每户每月不超过 240 分；评比公示不少于 5 天" in page
    refused = web.post("/evaluation/awards/bounds", {**form, "min_notice_days": "99"})
    assert refused.status_code == 422 and "最短公示天数应为 0 到 30 之间的整数" in refused.text
