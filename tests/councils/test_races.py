"""At once, on SQLite and PostgreSQL: two officials seating the same person seat them once; publishing a meeting
from several taps makes one disclosure."""

from sqlmodel import select

from app.councils import service
from app.councils.models import Council, CouncilKind, CouncilMember
from app.db import session_for
from app.disclosure.models import Disclosure
from app.errors import InvalidState
from app.org.access import load_actor
from app.org.models import User
from tests.conftest import add_person
from tests.councils.conftest import council_id, user_id
from tests.ledger.test_races import in_transaction, run_all


def _as(session, phone: str):
    return load_actor(session, session.exec(select(User).where(User.phone == phone)).one())


def test_two_officials_seat_a_person_once(demo_engine):
    second = add_person(demo_engine, phone="13800000081", name="第二村干部", role="official", unit="示范村")
    cid, zhao = council_id(demo_engine, CouncilKind.ceremonies), user_id(demo_engine, "赵小军")
    phones = ["13800000001", second] * 3

    def seat(i):
        return in_transaction(demo_engine, lambda s: service.appoint(
            s, actor=_as(s, phones[i]), council=s.get(Council, cid), user_id=zhao).id)

    results = run_all(len(phones), seat)
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert all(isinstance(r, InvalidState) for r in results if not isinstance(r, int)), results
    with session_for(demo_engine, write=False) as s:
        assert len(s.exec(select(CouncilMember).where(CouncilMember.council_id == cid,
                                                      CouncilMember.user_id == zhao)).all()) == 1


def test_publishing_at_once_makes_one_disclosure(demo_engine):
    cid = council_id(demo_engine, CouncilKind.assembly)
    present = [user_id(demo_engine, p) for p in ("13800000004", "13800000003", "13800000005")]
    meeting_id = in_transaction(demo_engine, lambda s: service.record_meeting(
        s, actor=_as(s, "13800000001"), council=s.get(Council, cid), held_on=service.today(), place="村委会",
        topics="议题", attendee_ids=present).id)
    with session_for(demo_engine, write=False) as s:
        before = len(s.exec(select(Disclosure.id)).all())

    def publish(_):
        return in_transaction(demo_engine, lambda s: service.publish_meeting(
            s, actor=_as(s, "13800000001"),
            meeting=service.visible_meeting(s, _as(s, "13800000001"), meeting_id)).disclosure_id)

    results = run_all(4, publish)
    assert all(isinstance(r, int) for r in results) and len(set(results)) == 1, results
    with session_for(demo_engine, write=False) as s:
        assert len(s.exec(select(Disclosure.id)).all()) == before + 1
