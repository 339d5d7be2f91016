"""一约四会 JSON API (README "一约四会"): the councils of a village with their members, appointing and removing
members, meetings with attendance, resolutions with votes, publishing a meeting to 村务公开."""

from fastapi import APIRouter

from app.councils import service
from app.councils.models import (
    CouncilPublic,
    MeetingCreate,
    MeetingPublic,
    MemberCreate,
    MemberPublic,
    ResolutionCreate,
    ResolutionPublic,
)
from app.councils.views import council_public, meeting_public
from app.deps import ActorDep, IdempotencyKey, SessionDep
from app.ids import Id
from app.org.access import EVERYONE, village_for

router = APIRouter(tags=["councils"])


@router.get("/villages/{village_id}/councils")
def village_councils(village_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    """The village's four councils with their current members (names masked for non-officials)."""
    village = village_for(actor, village_id, EVERYONE)
    return {"items": [council_public(session, actor, c) for c in service.councils_of(session, village_id=village)],
            "next_cursor": None}


@router.get("/councils/{council_id}", response_model=CouncilPublic)
def get_council(council_id: Id, actor: ActorDep, session: SessionDep) -> CouncilPublic:
    council = service.visible_council(session, actor, council_id)
    return council_public(session, actor, council, current_only=not actor.can(council.village_id, service.READERS))


@router.post("/councils/{council_id}/members", status_code=201, response_model=MemberPublic)
def appoint(council_id: Id, body: MemberCreate, actor: ActorDep, session: SessionDep,
            idempotency_key: IdempotencyKey = None) -> MemberPublic:
    """An official seats a person of the village (`user_id`) for a term; `title` 会长 | 副会长 | 成员."""
    council = service.visible_council(session, actor, council_id)
    member = service.appoint(session, actor=actor, council=council, user_id=body.user_id, title=body.title,
                             start_on=body.start_on, end_on=body.end_on, idempotency_key=idempotency_key)
    session.commit()
    return _member(session, actor, council, member.id)


@router.post("/councils/{council_id}/members/{member_id}/remove", response_model=MemberPublic)
def remove(council_id: Id, member_id: Id, actor: ActorDep, session: SessionDep) -> MemberPublic:
    council = service.visible_council(session, actor, council_id)
    member = service.remove_member(session, actor=actor, council=council,
                                   member=service.visible_member(session, actor, council, member_id))
    session.commit()
    return _member(session, actor, council, member.id)


def _member(session, actor, council, member_id: int) -> MemberPublic:
    return next(m for m in council_public(session, actor, council, current_only=False).members if m.id == member_id)


@router.get("/councils/{council_id}/meetings")
def council_meetings(council_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    """The council's meetings, latest first (the published ones for villagers)."""
    council = service.visible_council(session, actor, council_id)
    return {"items": [meeting_public(session, actor, m, council)
                      for m in service.meetings_of(session, actor, council)], "next_cursor": None}


@router.post("/councils/{council_id}/meetings", status_code=201, response_model=MeetingPublic)
def record_meeting(council_id: Id, body: MeetingCreate, actor: ActorDep, session: SessionDep,
                   idempotency_key: IdempotencyKey = None) -> MeetingPublic:
    council = service.visible_council(session, actor, council_id)
    meeting = service.record_meeting(session, actor=actor, council=council, held_on=body.held_on, place=body.place,
                                     topics=body.topics, minutes=body.minutes, attendee_ids=body.attendee_ids,
                                     idempotency_key=idempotency_key)
    session.commit()
    return meeting_public(session, actor, meeting, council)


@router.get("/council-meetings/{meeting_id}", response_model=MeetingPublic)
def get_meeting(meeting_id: Id, actor: ActorDep, session: SessionDep) -> MeetingPublic:
    return meeting_public(session, actor, service.visible_meeting(session, actor, meeting_id))


@router.post("/council-meetings/{meeting_id}/resolutions", status_code=201, response_model=ResolutionPublic)
def add_resolution(meeting_id: Id, body: ResolutionCreate, actor: ActorDep, session: SessionDep,
                   idempotency_key: IdempotencyKey = None) -> ResolutionPublic:
    """A resolution with its votes; `outcome` by the council's rule (quorum, then more than half of those present);
    `subject_type` + `subject_id` name what it decides, where another domain asks for it."""
    meeting = service.visible_meeting(session, actor, meeting_id)
    row = service.add_resolution(session, actor=actor, meeting=meeting, text=body.text, votes_for=body.votes_for,
                                 votes_against=body.votes_against, votes_abstain=body.votes_abstain,
                                 subject_type=body.subject_type, subject_id=body.subject_id,
                                 idempotency_key=idempotency_key)
    session.commit()
    return next(r for r in meeting_public(session, actor, meeting).resolutions if r.id == row.id)


@router.post("/council-meetings/{meeting_id}/publish", response_model=MeetingPublic)
def publish(meeting_id: Id, actor: ActorDep, session: SessionDep) -> MeetingPublic:
    """Publish the minutes and resolutions as a 村务 disclosure of the village (once; sent again, as it is)."""
    meeting = service.publish_meeting(session, actor=actor, meeting=service.visible_meeting(session, actor, meeting_id))
    session.commit()
    return meeting_public(session, actor, meeting)
