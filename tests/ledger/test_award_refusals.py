"""A waiting credit refused with a reason (issue #18), on SQLite and PostgreSQL: by whoever may approve it (never
its proposer nor a member of the household), exactly once however often or concurrently, audited; a refused credit
never posts, does not count against the month, and leaves the door it came through (a direct award, a service
order, an evaluation round) saying so."""

from sqlmodel import select

from app.audit.models import AuditEntry
from app.db import session_for, write_session
from app.errors import InvalidState
from app.ledger import approvals
from app.ledger.check import check_ledger
from app.ledger.models import AwardRequest, LedgerAction, LedgerTransaction, TxnKind
from app.ledger.service import Source
from app.org.access import load_actor
from app.org.models import User
from app.timeutil import utcnow
from app.volunteer.points import month_points
from tests.conftest import add_person, error_code
from tests.ledger.test_award_limits import SECOND, award, balance, second_official, zhao
from tests.ledger.test_races import run_all

REASON = "理由不充分，请补充材料"


def refuse(api, request_id: int, who: str, reason: str = REASON):
    return api.post(f"/points/awards/{request_id}/refuse", who, json={"reason": reason})


def waiting(api, demo_engine, points: int = 300) -> tuple[int, int]:
    """A direct award above the single limit, waiting: (household id, request id)."""
    hid = zhao(demo_engine)
    r = award(api, hid, points)
    assert r.status_code == 202, r.text
    return hid, r.json()["id"]


class TestRefuse:
    def test_a_refused_award_never_posts(self, api, demo_engine):
        other = second_official(demo_engine)
        hid, rid = waiting(api, demo_engine)
        r = refuse(api, rid, other)
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["status"], body["refusal_reason"], body["transaction_id"]) == ("refused", REASON, None)
        assert body["refused_by_id"] == api.get("/me", other).json()["id"] and body["decided_at"]
        assert balance(api, hid) == 80 and api.get("/points/awards/pending", "town_admin").json()["items"] == []
        again = refuse(api, rid, "town_admin", "另一个理由")  # a double tap: the first decision stands
        assert again.status_code == 200 and again.json()["refusal_reason"] == REASON
        late = api.post(f"/points/awards/{rid}/approve", "town_admin")
        assert late.status_code == 409 and error_code(late) == "invalid_state"
        assert balance(api, hid) == 80
        with session_for(demo_engine, write=False) as s:
            lines = s.exec(select(AuditEntry).where(AuditEntry.action == LedgerAction.points_award_refuse)).all()
            assert [(a.target_id, a.reason) for a in lines] == [(hid, REASON)]
            assert check_ledger(s) == []

    def test_who_may_refuse(self, api, demo_engine):
        hid, rid = waiting(api, demo_engine)
        assert error_code(refuse(api, rid, "official")) == "conflict_of_interest"  # its proposer
        # Phones of this test alone: the run caches a token per phone, and a token names a user id.
        member = add_person(demo_engine, phone="13900000466", name="赵主任", role="official", unit="示范村",
                            household_id=hid)
        assert error_code(refuse(api, rid, member)) == "conflict_of_interest"  # a member of the household
        assert refuse(api, rid, "villager").status_code in (403, 404)
        outsider = second_official(demo_engine, "13900000477", "邻村")
        assert refuse(api, rid, outsider).status_code == 404
        for blank in ("", "   ", "\u200b"):
            r = refuse(api, rid, "town_admin", blank)
            assert r.status_code == 422 and error_code(r) == "validation_error"
        r = api.post(f"/points/awards/{rid}/refuse", "town_admin", json={"reason": "长" * 201})
        assert r.status_code == 422
        assert api.post(f"/points/awards/{rid}/refuse", "town_admin", json={}).status_code == 422
        assert api.post("/points/awards/999999999/refuse", "town_admin", json={"reason": "x"}).status_code == 404
        assert refuse(api, rid, "town_admin").status_code == 200

    def test_a_posted_award_cannot_be_refused(self, api, demo_engine):
        hid, rid = waiting(api, demo_engine)
        assert api.post(f"/points/awards/{rid}/approve", "town_admin").status_code == 200
        r = refuse(api, rid, "town_admin")
        assert r.status_code == 409 and error_code(r) == "invalid_state"
        posted = award(api, hid, 10).json()  # within the limits: posted at once, its request posted too
        r = refuse(api, posted["request_id"], "town_admin")
        assert r.status_code == 409

    def test_a_refused_award_does_not_count_against_the_month(self, api, demo_engine):
        hid = zhao(demo_engine)
        assert award(api, hid, 200).status_code == 201 and award(api, hid, 200).status_code == 201
        r = award(api, hid, 101)  # 501 this month: waits
        assert r.status_code == 202
        assert refuse(api, r.json()["id"], "town_admin").status_code == 200
        assert award(api, hid, 100).status_code == 201  # 500 with the refused one left out
        assert balance(api, hid) == 80 + 500


def test_approve_and_refuse_at_once_decide_once(api, demo_engine):
    """Ten officials tap 批准 and 不批准 on one waiting award together: one decision wins, the others are told it is
    taken; the award posts once or never."""
    second_official(demo_engine)
    hid, request_id = waiting(api, demo_engine)

    def work(i):
        with write_session(demo_engine) as session:
            phone = SECOND if i % 2 else "13800000006"
            actor = load_actor(session, session.exec(select(User).where(User.phone == phone)).one())
            request = approvals.visible_request(session, actor, request_id)
            if i % 4 < 2:
                got = approvals.approve_award(session, actor=actor, request=request).status
            else:
                got = approvals.refuse_award(session, actor=actor, request=request, reason=f"第 {i} 个").status
            session.commit()
            return got

    results = run_all(10, work)
    done = [r for r in results if isinstance(r, str)]
    assert all(isinstance(r, (str, InvalidState)) for r in results), results
    assert len(set(done)) == 1, results  # whichever came first, every success says the same
    with session_for(demo_engine, write=False) as s:
        request = s.get(AwardRequest, request_id)
        txns = s.exec(select(LedgerTransaction).where(LedgerTransaction.kind == TxnKind.award,
                                                      LedgerTransaction.reason == "修桥补路")).all()
        assert request.status == done[0]
        assert [t.id for t in txns] == ([request.transaction_id] if request.status == "posted" else [])
        refusals = s.exec(select(AuditEntry).where(AuditEntry.action == LedgerAction.points_award_refuse)).all()
        assert len(refusals) == (1 if request.status == "refused" else 0)
        assert check_ledger(s) == []
    assert balance(api, hid) == (380 if done[0] == "posted" else 80)


class TestOtherDoors:
    def test_a_refused_service_credit(self, api, demo_engine):
        """The order says its points were refused and why; the volunteer's record and the month's cap leave them
        out; the household's balance is untouched."""
        from tests.volunteer.conftest import balance_of
        from tests.volunteer.test_integrity import done_by, place

        def call(method, path, who, body=None):
            return api.client.request(method, f"/api/v1{path}", headers=api.headers(who), json=body)

        village = call("GET", "/me", "official").json()["village_id"]
        assert call("PUT", "/service-settings", "official", {"points_per_hour": 20}).status_code == 200
        call("PUT", f"/villages/{village}/award-limits", "town_admin", {"single_limit": 50, "monthly_limit": 500})
        before = balance_of(demo_engine, "李秀英")
        with session_for(demo_engine, write=False) as s:
            household = s.exec(select(User.household_id).where(User.phone == "13800000003")).one()
            month_before = month_points(s, household_id=household, now=utcnow())
        earned = call("GET", "/me/service-hours", "volunteer").json()["total_points"]
        oid = place(call, service="陪同就医")  # 4 hours: 80 points, above the single limit of 50
        done_by(call, demo_engine, oid, "volunteer", hours=4)
        assert call("POST", f"/orders/{oid}/rate", "villager", {"stars": 5}).json()["credit_status"] == "pending"
        with session_for(demo_engine, write=False) as s:
            request_id = approvals.credit_request_for(s, source=Source(TxnKind.service, oid)).id
            assert month_points(s, household_id=household, now=utcnow()) == month_before + 80
        assert refuse(api, request_id, "town_admin", "服务时长与记录不符").status_code == 200
        order = call("GET", f"/orders/{oid}", "volunteer").json()
        assert (order["credit_status"], order["credit_refusal"]) == ("refused", "服务时长与记录不符")
        assert order["points"] == 80  # the order still says what the hours came to
        html = api.client.get(f"/service/orders/{oid}", headers=api.headers("volunteer")).text
        assert "积分未批准" in html and "服务时长与记录不符" in html and "记入志愿者家庭）" not in html
        hours = call("GET", "/me/service-hours", "volunteer").json()
        assert (hours["pending_points"], hours["total_points"]) == (0, earned)
        with session_for(demo_engine, write=False) as s:
            assert month_points(s, household_id=household, now=utcnow()) == month_before
        assert balance_of(demo_engine, "李秀英") == before

    def test_a_refused_evaluation_credit(self, api, demo_engine):
        """The round says which credits were refused; finalising again does not credit them."""
        from tests.evaluation.test_api import heads, score, set_min_notice_days
        from tests.evaluation.test_integrity import demo_round, join_household, publish

        h = heads(demo_engine)
        join_household(demo_engine, "official", "赵德明")  # the finaliser's own household: its credit waits
        set_min_notice_days(api, demo_engine, 0)
        rid = demo_round(demo_engine)
        score(api, rid, h["赵德明"], "参加志愿服务", 5)
        publish(api, rid, 0)
        before = api.get(f"/households/{h['赵德明']}", "town_admin").json()["balance"]
        assert api.post(f"/evaluations/{rid}/finalize", "official").json()["pending_credits"] == 1
        with session_for(demo_engine, write=False) as s:
            request_id = approvals.credit_request_for(s, source=Source(TxnKind.evaluation, rid),
                                                      household_id=h["赵德明"]).id
        assert refuse(api, request_id, "town_admin", "本户有违规，不发放").status_code == 200
        seen = api.get(f"/evaluations/{rid}", "villager").json()
        assert (seen["pending_credits"], seen["refused_credits"]) == (0, 1)
        assert api.post(f"/evaluations/{rid}/finalize", "official").status_code == 200  # again: nothing more
        assert api.get(f"/households/{h['赵德明']}", "town_admin").json()["balance"] == before
        page = api.client.get(f"/evaluation/rounds/{rid}", headers=api.headers("official")).text
        assert "1 户的积分未获批准" in page and "积分已发到各户" not in page
