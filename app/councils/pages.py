"""一约四会 pages (公开 → 一约四会): the village's four councils, a council (members, its meetings; for officials
the appoint form and 记录会议), the form recording a meeting with attendance checkboxes, and a meeting's page
(resolutions with votes; for officials 添加决议 and 公开到村务公开)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.councils import service
from app.councils.models import KIND_NOTES, MEMBER_TITLES, Council, CouncilKind, MeetingStatus
from app.councils.views import council_public, meeting_public
from app.deps import ActorDep, HtmxDep, SessionDep
from app.errors import ValidationFailed
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.org.access import acting_household
from app.org.switch import switch_village

router = APIRouter()
DONE = {"appoint": "已任命", "remove": "已免去", "record": "会议已记录，可以添加决议，再公开",
        "resolution": "决议已记录", "publish": "已公开到村务公开，全村都能看到"}
TextForm = Annotated[str, Form()]


def _date(value: str, label: str, *, blank_ok: bool = False) -> date | None:
    value = value.strip()
    if not value and blank_ok:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"请填写{label}") from None


def _optional(value: str) -> int | None:
    return form_int(value) if value.strip() else None


@router.get("/councils")
def councils(request: Request, actor: ActorDep, session: SessionDep, village_id: Id | None = None) -> Response:
    switch = switch_village(session, actor, village_id, household=acting_household(session, actor), none_ok=True)
    rows = service.councils_of(session, village_id=switch.village_id) if switch.village_id else []
    return render(request, "councils/list.html", {
        "tab": "disclosure", "switch": switch, "councils": [council_public(session, actor, c) for c in rows],
        "latest": {c.id: next(iter(service.meetings_of(session, actor, c, limit=1)), None) for c in rows}})


@router.get("/councils/{council_id}")
def council_page(council_id: Id, request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    council = service.visible_council(session, actor, council_id)
    keeps = actor.can(council.village_id, service.KEEPERS)
    return render(request, "councils/council.html", {
        "tab": "disclosure", "council": council_public(session, actor, council, current_only=not keeps),
        "meetings": service.meetings_of(session, actor, council), "keeps": keeps, "titles": MEMBER_TITLES,
        "people": service.people_of(session, village_id=council.village_id) if keeps else [],
        "today": service.today().isoformat(), "done": DONE.get(done, "")})


@router.post("/councils/{council_id}/members")
def appoint(council_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep, user_id: TextForm = "",
            title: TextForm = "成员", start_on: TextForm = "", end_on: TextForm = "",
            form_key: TextForm = "") -> Response:
    council = service.visible_council(session, actor, council_id)
    service.appoint(session, actor=actor, council=council, user_id=form_int(user_id, blank=0), title=title,
                    start_on=_date(start_on, "任期开始日期", blank_ok=True),
                    end_on=_date(end_on, "任期结束日期", blank_ok=True), idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/councils/{council_id}?done=appoint", htmx=htmx)


@router.post("/councils/{council_id}/members/{member_id}/remove")
def remove(council_id: Id, member_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    council = service.visible_council(session, actor, council_id)
    service.remove_member(session, actor=actor, council=council,
                          member=service.visible_member(session, actor, council, member_id))
    session.commit()
    return redirect_after_post(f"/councils/{council_id}?done=remove", htmx=htmx)


@router.get("/councils/{council_id}/meetings/new")
def new_meeting(council_id: Id, request: Request, actor: ActorDep, session: SessionDep) -> Response:
    council = service.visible_council(session, actor, council_id)
    actor.require(council.village_id, service.KEEPERS, "只有本村村干部可以记录理事会会议")
    return render(request, "councils/new_meeting.html", {
        "tab": "disclosure", "council": council_public(session, actor, council), "today": service.today().isoformat()})


@router.post("/councils/{council_id}/meetings")
def record_meeting(council_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep, held_on: TextForm = "",
                   place: TextForm = "", topics: TextForm = "", minutes: TextForm = "",
                   attendee_ids: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI reads it, never mutates)
                   form_key: TextForm = "") -> Response:
    council = service.visible_council(session, actor, council_id)
    meeting = service.record_meeting(session, actor=actor, council=council, held_on=_date(held_on, "会议日期"),
                                     place=place, topics=topics, minutes=minutes,
                                     attendee_ids=[form_int(a) for a in attendee_ids[:1001]],
                                     idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/council-meetings/{meeting.id}?done=record", htmx=htmx)


@router.get("/council-meetings/{meeting_id}")
def meeting_page(meeting_id: Id, request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    meeting = service.visible_meeting(session, actor, meeting_id)
    mp = meeting_public(session, actor, meeting)
    return render(request, "councils/meeting.html", {
        "tab": "disclosure", "mp": mp, "note": KIND_NOTES[CouncilKind(mp.kind)],
        "keeps": actor.can(meeting.village_id, service.KEEPERS) and meeting.status == MeetingStatus.recorded,
        "subjects": service.subject_choices(session, session.get(Council, meeting.council_id)),
        "done": DONE.get(done, "")})


@router.post("/council-meetings/{meeting_id}/resolutions")
def add_resolution(meeting_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep, text: TextForm = "",
                   votes_for: TextForm = "", votes_against: TextForm = "", votes_abstain: TextForm = "",
                   subject: TextForm = "", form_key: TextForm = "") -> Response:
    meeting = service.visible_meeting(session, actor, meeting_id)
    subject_type, _, subject_id = subject.partition(":")  # "compact_amendment:12" from the select; "" for none
    service.add_resolution(session, actor=actor, meeting=meeting, text=text, votes_for=_optional(votes_for),
                           votes_against=_optional(votes_against), votes_abstain=_optional(votes_abstain),
                           subject_type=subject_type or None,
                           subject_id=form_int(subject_id) if subject_type else None,
                           idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/council-meetings/{meeting_id}?done=resolution", htmx=htmx)


@router.post("/council-meetings/{meeting_id}/publish")
def publish(meeting_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    service.publish_meeting(session, actor=actor, meeting=service.visible_meeting(session, actor, meeting_id))
    session.commit()
    return redirect_after_post(f"/council-meetings/{meeting_id}?done=publish", htmx=htmx)


