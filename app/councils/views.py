"""Read models of the councils for the API and the pages: a council with its members, a meeting with its
attendees and resolutions. Names are in full for the village's officials (and the admins over it) and for the
reader themselves; masked (王*国) for everyone else (PIPL: app/org/service.py)."""

from sqlmodel import Session

from app.councils import service
from app.councils.models import (
    KIND_LABELS,
    KIND_NOTES,
    MEETING_RULES,
    MEETING_STATUS_LABELS,
    Council,
    CouncilKind,
    CouncilMeeting,
    CouncilPublic,
    MeetingPublic,
    MeetingStatus,
    MemberPublic,
    ResolutionPublic,
)
from app.org.access import VILLAGE_STAFF, Actor
from app.org.service import shown_name
from app.votes import OUTCOME_LABELS, Outcome


def name_for(actor: Actor, village_id: int, *, name: str, user_id: int) -> str:
    if actor.can(village_id, VILLAGE_STAFF):
        return name
    return shown_name(actor, name=name, user_id=user_id)


def council_public(session: Session, actor: Actor, council: Council, *, current_only: bool = True
                   ) -> CouncilPublic:
    kind = CouncilKind(council.kind)
    now = service.today()
    rows = service.member_rows(session, council)
    if current_only:
        rows = [m for m in rows if service.is_seated(m, now)]
    names = service.names_of(session, {m.user_id for m in rows})
    return CouncilPublic(
        id=council.id, village_id=council.village_id, kind=council.kind, name=KIND_LABELS[kind],
        note=KIND_NOTES[kind], rule=MEETING_RULES[kind].rule,
        members=[MemberPublic(id=m.id, user_id=m.user_id, title=m.title, start_on=m.start_on, end_on=m.end_on,
                              active=service.is_seated(m, now),
                              name=name_for(actor, council.village_id, name=names.get(m.user_id, ""),
                                            user_id=m.user_id)) for m in rows])


def meeting_public(session: Session, actor: Actor, meeting: CouncilMeeting, council: Council | None = None
                   ) -> MeetingPublic:
    council = council or session.get(Council, meeting.council_id)
    present = service.attendee_ids(session, meeting)
    names = service.names_of(session, set(present))
    return MeetingPublic(
        id=meeting.id, council_id=council.id, kind=council.kind, council=KIND_LABELS[CouncilKind(council.kind)],
        village_id=meeting.village_id, held_on=meeting.held_on, place=meeting.place, topics=meeting.topics,
        minutes=meeting.minutes, expected=meeting.expected, attendance=meeting.attendance,
        quorum=service.quorum_met(council, meeting),
        attendees=[name_for(actor, meeting.village_id, name=names.get(u, ""), user_id=u) for u in present],
        status=meeting.status, status_label=MEETING_STATUS_LABELS[MeetingStatus(meeting.status)],
        disclosure_id=meeting.disclosure_id, published_at=meeting.published_at,
        resolutions=[ResolutionPublic(id=r.id, position=r.position, text=r.text, votes_for=r.votes_for,
                                      votes_against=r.votes_against, votes_abstain=r.votes_abstain,
                                      outcome=r.outcome, outcome_label=OUTCOME_LABELS[Outcome(r.outcome)],
                                      subject_type=r.subject_type, subject_id=r.subject_id,
                                      subject_link=service.subject_link(r.subject_type, r.subject_id))
                     for r in service.resolutions_of(session, meeting)])
