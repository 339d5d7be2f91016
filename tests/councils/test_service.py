"""一约四会's rules through the service, on SQLite and PostgreSQL: membership for a term (the door `is_member` other
domains use), quorum and majority as app/votes.py decides them, publishing once."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.councils import service
from app.councils.models import Council, CouncilKind, CouncilMeeting
from app.db import session_for
from app.disclosure.models import Disclosure
from app.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from app.org.access import load_actor
from app.org.models import User
from app.votes import Outcome
from tests.councils.conftest import council_id, user_id, village_id


def _actor(s, phone: str):
    return load_actor(s, s.exec(select(User).where(User.phone == phone)).one())


class TestMembership:
    def test_a_term_decides_who_is_a_member_on_a_day(self, demo_engine):
        village, chen = village_id(demo_engine), user_id(demo_engine, "赵小军")
        today = service.today()
        with session_for(demo_engine, write=True) as s:
            council = s.get(Council, council_id(demo_engine, CouncilKind.ceremonies))
            assert not service.is_member(s, village_id=village, kind=CouncilKind.ceremonies, user_id=chen)
            seat = service.appoint(s, actor=_actor(s, "13800000001"), council=council, user_id=chen,
                                   start_on=today - timedelta(days=10), end_on=today + timedelta(days=10))
            assert service.is_member(s, village_id=village, kind=CouncilKind.ceremonies, user_id=chen)
            assert not service.is_member(s, village_id=village, kind=CouncilKind.ceremonies, user_id=chen,
                                         on=today + timedelta(days=11))
            assert not service.is_member(s, village_id=village, kind=CouncilKind.assembly, user_id=chen)
            with pytest.raises(InvalidState):  # already seated for that time
                service.appoint(s, actor=_actor(s, "13800000001"), council=council, user_id=chen)
            service.remove_member(s, actor=_actor(s, "13800000001"), council=council, member=seat)
            assert not service.is_member(s, village_id=village, kind=CouncilKind.ceremonies, user_id=chen)
            assert chen not in service.member_ids(s, village_id=village, kind=CouncilKind.ceremonies)
            s.commit()

    def test_only_the_villages_people_by_its_official_never_oneself(self, demo_engine):
        outsider, official = user_id(demo_engine, "13800000007"), user_id(demo_engine, "13800000001")
        with session_for(demo_engine, write=True) as s:
            council = s.get(Council, council_id(demo_engine, CouncilKind.drugs))
            with pytest.raises(NotFound):  # 陈志强 is of 邻村
                service.appoint(s, actor=_actor(s, "13800000001"), council=council, user_id=outsider)
            with pytest.raises(Forbidden):
                service.appoint(s, actor=_actor(s, "13800000001"), council=council, user_id=official)
            with pytest.raises(Forbidden):  # the committee member is not an official
                service.appoint(s, actor=_actor(s, "13800000005"), council=council,
                                user_id=user_id(demo_engine, "赵小军"))
            with pytest.raises(ValidationFailed):
                service.appoint(s, actor=_actor(s, "13800000001"), council=council,
                                user_id=user_id(demo_engine, "赵小军"), start_on=date(2026, 5, 1),
                                end_on=date(2026, 4, 1))


class TestVotes:
    def _meeting(self, s, engine, present: list[str]) -> CouncilMeeting:
        council = s.get(Council, council_id(engine, CouncilKind.assembly))  # 4 members in the demo world
        return service.record_meeting(s, actor=_actor(s, "13800000001"), council=council, held_on=service.today(),
                                      place="村委会", topics="议题", attendee_ids=[user_id(engine, p) for p in present])

    def test_quorum_then_more_than_half_of_those_present(self, demo_engine):
        official = "13800000001"
        with session_for(demo_engine, write=True) as s:
            full = self._meeting(s, demo_engine, ["13800000004", "13800000003", "13800000005"])  # 3 of 4
            assert (full.expected, full.attendance) == (4, 3)
            passed = service.add_resolution(s, actor=_actor(s, official), meeting=full, text="通过", votes_for=2,
                                            votes_against=1, votes_abstain=0)
            tied = service.add_resolution(s, actor=_actor(s, official), meeting=full, text="一半", votes_for=1,
                                          votes_against=1, votes_abstain=1)
            assert (passed.outcome, tied.outcome) == (Outcome.passed, Outcome.rejected)
            assert [r.position for r in service.resolutions_of(s, full)] == [1, 2]
            with pytest.raises(ValidationFailed):  # more votes than people present
                service.add_resolution(s, actor=_actor(s, official), meeting=full, text="多", votes_for=3,
                                       votes_against=1, votes_abstain=0)
            thin = self._meeting(s, demo_engine, ["13800000004", "13800000003"])  # 2 of 4 < two thirds
            short = service.add_resolution(s, actor=_actor(s, official), meeting=thin, text="不够人",
                                           votes_for=None, votes_against=None, votes_abstain=None)
            assert short.outcome == Outcome.no_quorum
            s.commit()

    def test_attendees_are_members_of_the_day_and_a_published_meeting_is_closed(self, demo_engine):
        with session_for(demo_engine, write=True) as s:
            with pytest.raises(ValidationFailed):  # 赵小军 is no member of the 村民议事会
                self._meeting(s, demo_engine, ["13800000004", "赵小军"])
            meeting = self._meeting(s, demo_engine, ["13800000004", "13800000003", "13800000005"])
            before = len(s.exec(select(Disclosure.id)).all())
            service.publish_meeting(s, actor=_actor(s, "13800000001"), meeting=meeting)
            service.publish_meeting(s, actor=_actor(s, "13800000001"), meeting=meeting)  # again: nothing more
            assert len(s.exec(select(Disclosure.id)).all()) == before + 1 and meeting.disclosure_id
            with pytest.raises(InvalidState):
                service.add_resolution(s, actor=_actor(s, "13800000001"), meeting=meeting, text="晚了",
                                       votes_for=3, votes_against=0, votes_abstain=0)
            s.commit()
