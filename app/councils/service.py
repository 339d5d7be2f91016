"""一约四会: the four councils of a village, their members, meetings, resolutions and publishing a meeting to 村务公开.

Who: the village's officials appoint and remove members (people of the village: a member of one of its households,
or someone holding a role in it; nobody appoints themselves), record meetings and resolutions and publish them;
everyone of the village reads the councils (names masked for non-officials, `app/org/service.py` `name_for`) and
the published meetings. Votes follow the one rule of app/votes.py (quorum of the council's members, then more than
half of those present). Other domains ask `is_member` / `member_ids` (the 村规民约's amendments at the 村民议事会,
婚丧事 filings acknowledged by the 红白理事会) and may name what a resolution decides (`subject_type`, `subject_id`).
Services add and flush; the route commits."""

import re
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit.service import record_action
from app.councils.models import (
    COUNCIL_TARGET,
    KIND_LABELS,
    MEETING_RULES,
    MEETING_TARGET,
    MEMBER_TITLES,
    Council,
    CouncilAction,
    CouncilAttendance,
    CouncilKind,
    CouncilMeeting,
    CouncilMember,
    CouncilResolution,
    MeetingStatus,
)
from app.councils.registry import SUBJECTS
from app.disclosure import service as disclosure_service
from app.errors import InvalidState, NotFound, ValidationFailed
from app.idempotency import create_once
from app.ids import in_range
from app.org.access import EVERYONE, OFFICIALS, VILLAGE_STAFF, Actor, get_visible, refuse_self
from app.org.models import Household, OrgUnit, RoleAssignment, User
from app.org.service import mask_name
from app.org.starters import register_village_starter
from app.text import clean_text
from app.timeutil import local, utcnow
from app.votes import OUTCOME_LABELS, Outcome, tally

KEEPERS = OFFICIALS  # appoint and remove members, record meetings and resolutions, publish
READERS = VILLAGE_STAFF  # read a meeting before it is published
NO_COUNCIL, NO_MEETING, NO_MEMBER = "找不到该理事会", "找不到该会议", "找不到该成员"
EARLIEST = date(2000, 1, 1)
LONGEST_TERM = timedelta(days=366 * 10)
SUBJECT_TYPE = re.compile(r"^[a-z][a-z_]{0,29}$")


def today() -> date:
    return local(utcnow()).date()


# --- the councils of a village ------------------------------------------------------------------------------------

@register_village_starter
def start_councils(session: Session, *, village: OrgUnit, actor_id: int | None = None) -> None:
    """A village's four councils (those it lacks)."""
    have = set(session.exec(select(Council.kind).where(Council.village_id == village.id)))
    session.add_all([Council(village_id=village.id, kind=kind) for kind in CouncilKind if kind not in have])
    session.flush()


def councils_of(session: Session, *, village_id: int) -> list[Council]:
    """The village's councils in the plan's order."""
    rows = {c.kind: c for c in session.exec(select(Council).where(Council.village_id == village_id))}
    return [rows[kind] for kind in CouncilKind if kind in rows]


def council_of(session: Session, *, village_id: int, kind: str) -> Council | None:
    return session.exec(select(Council).where(Council.village_id == village_id, Council.kind == kind)).first()


def visible_council(session: Session, actor: Actor, council_id: int) -> Council:
    """A council of a village the actor belongs to or oversees; another village's is not found."""
    return get_visible(session, actor, Council, council_id, roles=EVERYONE, missing=NO_COUNCIL)


def visible_meeting(session: Session, actor: Actor, meeting_id: int) -> CouncilMeeting:
    """A published meeting for the village; one not yet published for its officials and the admins over it."""
    return get_visible(session, actor, CouncilMeeting, meeting_id, roles=READERS, missing=NO_MEETING,
                       also=lambda m: m.status == MeetingStatus.published and actor.can(m.village_id, EVERYONE))


def visible_member(session: Session, actor: Actor, council: Council, member_id: int) -> CouncilMember:
    member = session.get(CouncilMember, member_id) if in_range(member_id) else None
    if member is None or member.council_id != council.id:
        raise NotFound(NO_MEMBER)
    return member


# --- membership: the door other domains use ----------------------------------------------------------------------

def _active(on: date):
    return and_(col(CouncilMember.removed_at).is_(None), CouncilMember.start_on <= on,
                or_(col(CouncilMember.end_on).is_(None), CouncilMember.end_on >= on))


def is_member(session: Session, *, village_id: int, kind: str, user_id: int, on: date | None = None) -> bool:
    """Whether the user sits on the village's council of `kind` (a CouncilKind) on that day (today by default)."""
    return user_id in member_ids(session, village_id=village_id, kind=kind, on=on)


def member_ids(session: Session, *, village_id: int, kind: str, on: date | None = None) -> set[int]:
    """The user ids of the council's members on that day (today by default)."""
    return set(session.exec(select(CouncilMember.user_id).join(Council, Council.id == CouncilMember.council_id)
                            .where(Council.village_id == village_id, Council.kind == kind,
                                   _active(on or today()))))


def seated_villages(session: Session, *, kind: str, user_id: int, on: date | None = None) -> set[int]:
    """The villages on whose council of `kind` the user sits that day (today by default)."""
    return set(session.exec(select(Council.village_id).join(CouncilMember, CouncilMember.council_id == Council.id)
                            .where(Council.kind == kind, CouncilMember.user_id == user_id, _active(on or today()))))


def active_members(session: Session, council: Council, *, on: date | None = None) -> list[CouncilMember]:
    return list(session.exec(select(CouncilMember).where(CouncilMember.council_id == council.id,
                                                         _active(on or today())).order_by(CouncilMember.id)))


def member_rows(session: Session, council: Council) -> list[CouncilMember]:
    """Every seat the council has had, current ones first."""
    rows = list(session.exec(select(CouncilMember).where(CouncilMember.council_id == council.id)
                             .order_by(CouncilMember.id)))
    now = today()
    return sorted(rows, key=lambda m: (not is_seated(m, now), MEMBER_TITLES.index(m.title)
                                       if m.title in MEMBER_TITLES else 9, m.id))


def is_seated(member: CouncilMember, on: date) -> bool:
    return (member.removed_at is None and member.start_on <= on
            and (member.end_on is None or member.end_on >= on))


def people_of(session: Session, *, village_id: int) -> list[User]:
    """Who may sit on the village's councils: members of its households and holders of a role in it."""
    in_household = select(User.id).join(Household, Household.id == User.household_id).where(
        Household.village_id == village_id)
    with_role = select(RoleAssignment.user_id).where(RoleAssignment.org_id == village_id)
    return list(session.exec(select(User).where(or_(col(User.id).in_(in_household), col(User.id).in_(with_role)))
                             .order_by(User.id)))


def _person_of(session: Session, *, village_id: int, user_id: int) -> User:
    """A person of the village (see `people_of`), else not found."""
    user = session.get(User, user_id) if in_range(user_id) else None
    in_household = select(Household.id).where(Household.id == User.household_id, Household.village_id == village_id)
    with_role = select(RoleAssignment.id).where(RoleAssignment.user_id == User.id,
                                                RoleAssignment.org_id == village_id)
    if user is None or session.exec(select(User.id).where(
            User.id == user.id, or_(in_household.exists(), with_role.exists()))).first() is None:
        raise NotFound("找不到这个人：理事会成员须是本村的人")
    return user


def _day(value: date | None, label: str, field: str) -> date | None:
    if value is not None and not EARLIEST <= value <= today() + LONGEST_TERM:
        raise ValidationFailed(f"{label}不在合理范围内", field=field)
    return value


def appoint(session: Session, *, actor: Actor, council: Council, user_id: int, title: str = "成员",
            start_on: date | None = None, end_on: date | None = None,
            idempotency_key: str | None = None) -> CouncilMember:
    """Seat a person of the village on the council for a term (from today where no start is given)."""
    actor.require(council.village_id, KEEPERS, "只有本村村干部可以任免理事会成员")
    payload = {"council_id": council.id, "user_id": user_id, "title": title,
               "start_on": start_on.isoformat() if start_on else None, "end_on": end_on.isoformat() if end_on else None}
    return create_once(session, scope=f"user:{actor.id}:council.appoint", key=idempotency_key, payload=payload,
                       model=CouncilMember, action=lambda: _appoint(session, actor=actor, council=council,
                                                                    user_id=user_id, title=title,
                                                                    start_on=start_on, end_on=end_on))


def _appoint(session: Session, *, actor: Actor, council: Council, user_id: int, title: str,
             start_on: date | None, end_on: date | None) -> CouncilMember:
    refuse_self(actor, user_id)
    # Two officials seating the same person at once: the council's row is locked (PostgreSQL; SQLite's writes take
    # turns already), so the second sees the first's seat below.
    session.exec(select(Council.id).where(Council.id == council.id).with_for_update()).one()
    person = _person_of(session, village_id=council.village_id, user_id=user_id)
    if title not in MEMBER_TITLES:
        raise ValidationFailed("职务应为 会长、副会长 或 成员", field="title")
    start = _day(start_on, "任期开始日期", "start_on") or today()
    end = _day(end_on, "任期结束日期", "end_on")
    if end is not None and end < start:
        raise ValidationFailed("任期结束不能早于开始", field="end_on")
    seated = session.exec(select(CouncilMember).where(
        CouncilMember.council_id == council.id, CouncilMember.user_id == person.id,
        col(CouncilMember.removed_at).is_(None),
        or_(col(CouncilMember.end_on).is_(None), CouncilMember.end_on >= start))).first()
    if seated is not None:
        raise InvalidState(f"{person.name}已经是{KIND_LABELS[CouncilKind(council.kind)]}的成员")
    member = CouncilMember(council_id=council.id, village_id=council.village_id, user_id=person.id, title=title,
                           start_on=start, end_on=end, appointed_by=actor.id)
    session.add(member)
    session.flush()
    record_action(session, actor_id=actor.id, action=CouncilAction.member_appoint, village_id=council.village_id,
                  target_type=COUNCIL_TARGET, target_id=council.id,
                  target_label=f"{KIND_LABELS[CouncilKind(council.kind)]} · {person.name}",
                  detail={"member_id": member.id, "user_id": person.id, "title": title,
                          "start_on": start.isoformat(), "end_on": end.isoformat() if end else None})
    return member


def remove_member(session: Session, *, actor: Actor, council: Council, member: CouncilMember) -> CouncilMember:
    """End a member's seat now (the row stays: meetings keep who attended). Sent twice, it changes nothing more."""
    actor.require(council.village_id, KEEPERS, "只有本村村干部可以任免理事会成员")
    refuse_self(actor, member.user_id)
    if member.removed_at is not None:
        return member
    done = session.execute(update(CouncilMember).where(CouncilMember.id == member.id,
                                                       col(CouncilMember.removed_at).is_(None))
                           .values(removed_at=utcnow(), removed_by=actor.id))
    session.refresh(member)
    if done.rowcount:
        person = session.get(User, member.user_id)
        record_action(session, actor_id=actor.id, action=CouncilAction.member_remove, village_id=council.village_id,
                      target_type=COUNCIL_TARGET, target_id=council.id,
                      target_label=f"{KIND_LABELS[CouncilKind(council.kind)]} · {person.name if person else ''}",
                      detail={"member_id": member.id, "user_id": member.user_id})
    return member


# --- meetings and resolutions ---------------------------------------------------------------------------------------

def record_meeting(session: Session, *, actor: Actor, council: Council, held_on: date, place: str, topics: str,
                   minutes: str = "", attendee_ids: list[int], idempotency_key: str | None = None) -> CouncilMeeting:
    """A meeting held (today or before) with the members present; its members that day are the quorum's base."""
    actor.require(council.village_id, KEEPERS, "只有本村村干部可以记录理事会会议")
    payload = {"council_id": council.id, "held_on": held_on.isoformat(), "place": place, "topics": topics,
               "minutes": minutes, "attendee_ids": sorted(set(attendee_ids))}
    return create_once(session, scope=f"user:{actor.id}:council.meeting", key=idempotency_key, payload=payload,
                       model=CouncilMeeting, action=lambda: _record_meeting(
                           session, actor=actor, council=council, held_on=held_on, place=place, topics=topics,
                           minutes=minutes, attendee_ids=attendee_ids))


def _record_meeting(session: Session, *, actor: Actor, council: Council, held_on: date, place: str, topics: str,
                    minutes: str, attendee_ids: list[int]) -> CouncilMeeting:
    if not EARLIEST <= held_on <= today():
        raise ValidationFailed("会议日期应是今天或以前的日子", field="held_on")
    place = clean_text(place, label="会议地点", max_length=60, field="place")
    topics = clean_text(topics, label="议题", max_length=500, multiline=True, field="topics")
    minutes = clean_text(minutes, label="会议记录", max_length=5000, required=False, multiline=True, field="minutes")
    members = {m.user_id: m for m in active_members(session, council, on=held_on)}
    if not members:
        raise InvalidState("这个会在会议当天还没有成员，请先任命成员")
    present = set(attendee_ids)
    if len(present) > 1000 or not present <= set(members):
        raise ValidationFailed("到会的须是会议当天在任的成员", field="attendee_ids")
    meeting = CouncilMeeting(council_id=council.id, village_id=council.village_id, held_on=held_on, place=place,
                             topics=topics, minutes=minutes, expected=len(members), attendance=len(present),
                             recorded_by=actor.id)
    session.add(meeting)
    session.flush()
    session.add_all([CouncilAttendance(meeting_id=meeting.id, member_id=members[u].id) for u in sorted(present)])
    record_action(session, actor_id=actor.id, action=CouncilAction.meeting_record, village_id=council.village_id,
                  target_type=MEETING_TARGET, target_id=meeting.id, target_label=meeting_title(council, meeting),
                  detail={"expected": meeting.expected, "attendance": meeting.attendance})
    session.flush()
    return meeting


def add_resolution(session: Session, *, actor: Actor, meeting: CouncilMeeting, text: str,
                   votes_for: int | None, votes_against: int | None, votes_abstain: int | None,
                   subject_type: str | None = None, subject_id: int | None = None,
                   idempotency_key: str | None = None) -> CouncilResolution:
    """A resolution voted at the meeting, decided by the council's rule; refused once the meeting is published."""
    actor.require(meeting.village_id, KEEPERS, "只有本村村干部可以记录决议")
    payload = {"meeting_id": meeting.id, "text": text, "votes": [votes_for, votes_against, votes_abstain],
               "subject_type": subject_type, "subject_id": subject_id}
    return create_once(session, scope=f"user:{actor.id}:council.resolution", key=idempotency_key, payload=payload,
                       model=CouncilResolution, action=lambda: _add_resolution(
                           session, actor=actor, meeting=meeting, text=text,
                           votes=[votes_for, votes_against, votes_abstain], subject_type=subject_type,
                           subject_id=subject_id))


def _subject(session: Session, council: Council, subject_type: str | None, subject_id: int | None
             ) -> tuple[str | None, int | None]:
    """What the resolution decides: nothing, or an open matter of the meeting's village that a domain brought to this
    kind of council (app/councils/registry.py)."""
    if subject_type is None and subject_id is None:
        return None, None
    if subject_type is None or subject_id is None or not SUBJECT_TYPE.match(subject_type) or not in_range(subject_id):
        raise ValidationFailed("决议所指的事项应同时给出类型和编号", field="subject_type")
    subject = SUBJECTS.get(subject_type)
    if subject is None or council.kind not in subject.council_kinds:
        raise ValidationFailed("这个理事会不议这类事项", field="subject_type")
    if subject_id not in {item for item, _ in subject.open_items(session, council.village_id)}:
        raise ValidationFailed(f"本村没有这项待议的{subject.label}", field="subject_id")
    return subject_type, subject_id


def subject_choices(session: Session, council: Council) -> list[tuple[str, int, str]]:
    """The open matters of the village a meeting of this council may name: (type, id, label)."""
    return [(name, item, f"{subject.label}：{label}") for name, subject in SUBJECTS.items()
            if council.kind in subject.council_kinds for item, label in subject.open_items(session, council.village_id)]


def subject_link(subject_type: str | None, subject_id: int | None) -> str | None:
    subject = SUBJECTS.get(subject_type or "")
    return subject.link(subject_id) if subject and subject_id else None


def _add_resolution(session: Session, *, actor: Actor, meeting: CouncilMeeting, text: str,
                    votes: list[int | None], subject_type: str | None, subject_id: int | None) -> CouncilResolution:
    if meeting.status != MeetingStatus.recorded:
        raise InvalidState("会议已经公开，不能再添加决议")
    council = session.get(Council, meeting.council_id)
    text = clean_text(text, label="决议内容", max_length=500, multiline=True, field="text")
    subject = _subject(session, council, subject_type, subject_id)
    counted, outcome = tally(MEETING_RULES[CouncilKind(council.kind)], attendance=meeting.attendance,
                             expected=meeting.expected, votes=votes)
    position = session.exec(select(func.count()).select_from(CouncilResolution)
                            .where(CouncilResolution.meeting_id == meeting.id)).one() + 1
    row = CouncilResolution(meeting_id=meeting.id, village_id=meeting.village_id, position=position, text=text,
                            votes_for=counted[0], votes_against=counted[1], votes_abstain=counted[2],
                            outcome=outcome, subject_type=subject[0], subject_id=subject[1], recorded_by=actor.id)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()  # two officials adding at once: the unique (meeting, position) lets one through
    except IntegrityError:
        raise InvalidState("刚有人添加了决议，请刷新后再添加") from None
    record_action(session, actor_id=actor.id, action=CouncilAction.resolution_record, village_id=meeting.village_id,
                  target_type=MEETING_TARGET, target_id=meeting.id, target_label=meeting_title(council, meeting),
                  detail={"resolution_id": row.id, "votes": counted, "outcome": outcome,
                          "subject": list(subject) if subject[0] else None})
    return row


def resolutions_of(session: Session, meeting: CouncilMeeting) -> list[CouncilResolution]:
    return list(session.exec(select(CouncilResolution).where(CouncilResolution.meeting_id == meeting.id)
                             .order_by(CouncilResolution.position)))


def meetings_by_id(session: Session, ids: set[int]) -> list[CouncilMeeting]:
    return list(session.exec(select(CouncilMeeting).where(col(CouncilMeeting.id).in_(sorted(ids))))) if ids else []


def resolutions_about(session: Session, *, subject_type: str, subject_id: int) -> list[CouncilResolution]:
    """The resolutions that name a thing (for the domain that owns it: a 村规民约 amendment's votes)."""
    return list(session.exec(select(CouncilResolution).where(CouncilResolution.subject_type == subject_type,
                                                             CouncilResolution.subject_id == subject_id)
                             .order_by(CouncilResolution.id)))


def attendee_ids(session: Session, meeting: CouncilMeeting) -> list[int]:
    """The user ids of the members present."""
    return list(session.exec(select(CouncilMember.user_id).join(
        CouncilAttendance, CouncilAttendance.member_id == CouncilMember.id)
        .where(CouncilAttendance.meeting_id == meeting.id).order_by(CouncilMember.id)))


def meetings_of(session: Session, actor: Actor, council: Council, *, limit: int = 50) -> list[CouncilMeeting]:
    """The council's meetings, latest first: all for its officials (and the admins), the published for others."""
    stmt = select(CouncilMeeting).where(CouncilMeeting.council_id == council.id)
    if not actor.can(council.village_id, READERS):
        stmt = stmt.where(CouncilMeeting.status == MeetingStatus.published)
    return list(session.exec(stmt.order_by(col(CouncilMeeting.held_on).desc(), col(CouncilMeeting.id).desc())
                             .limit(limit)))


def meeting_title(council: Council, meeting: CouncilMeeting) -> str:
    return f"{KIND_LABELS[CouncilKind(council.kind)]}{meeting.held_on:%Y年%-m月%-d日}会议纪要"


def quorum_met(council: Council, meeting: CouncilMeeting) -> bool:
    rule = MEETING_RULES[CouncilKind(council.kind)]
    return rule.outcome(attendance=meeting.attendance, expected=meeting.expected,
                        votes_for=meeting.attendance) is not Outcome.no_quorum


# --- publishing --------------------------------------------------------------------------------------------------

def publish_meeting(session: Session, *, actor: Actor, meeting: CouncilMeeting) -> CouncilMeeting:
    """Publish the meeting's minutes and resolutions as a 村务 disclosure of the village, once (sent again: as is)."""
    actor.require(meeting.village_id, KEEPERS, "只有本村村干部可以公开会议")
    if meeting.status == MeetingStatus.published:
        return meeting
    done = session.execute(update(CouncilMeeting).where(CouncilMeeting.id == meeting.id,
                                                        CouncilMeeting.status == MeetingStatus.recorded)
                           .values(status=MeetingStatus.published, published_at=utcnow()))
    session.refresh(meeting)
    if not done.rowcount:  # someone else published it a moment ago
        return meeting
    council = session.get(Council, meeting.council_id)
    title = meeting_title(council, meeting)
    disclosure = disclosure_service.publish(session, actor=actor, village_id=meeting.village_id, category="affairs",
                                            title=title, body=disclosure_body(session, council, meeting))
    meeting.disclosure_id = disclosure.id
    session.add(meeting)
    record_action(session, actor_id=actor.id, action=CouncilAction.meeting_publish, village_id=meeting.village_id,
                  target_type=MEETING_TARGET, target_id=meeting.id, target_label=title,
                  detail={"disclosure_id": disclosure.id})
    session.flush()
    return meeting


def disclosure_body(session: Session, council: Council, meeting: CouncilMeeting) -> str:
    """The disclosure's text in the safe markup (app/disclosure/markup.py); attendees' names masked (it is public)."""
    names = [mask_name(n).replace("*", "\\*") for n in _names(session, attendee_ids(session, meeting))]
    rule = MEETING_RULES[CouncilKind(council.kind)]
    lines = [f"会议时间：{meeting.held_on:%Y年%-m月%-d日}", "", f"会议地点：{meeting.place}", "",
             f"应到 {meeting.expected} 人，实到 {meeting.attendance} 人（{rule.rule}）："
             f"{'、'.join(names) or '无'}", "", "**议题**", "", meeting.topics]
    if meeting.minutes:
        lines += ["", "**会议记录**", "", meeting.minutes]
    rows = resolutions_of(session, meeting)
    lines += ["", "**决议**", ""]
    for r in rows:
        votes = (f"赞成 {r.votes_for}，反对 {r.votes_against}，弃权 {r.votes_abstain}；"
                 if r.votes_for is not None else "")
        lines.append(f"{r.position}. {' '.join(r.text.split())}（{votes}{OUTCOME_LABELS[Outcome(r.outcome)]}）")
    if not rows:
        lines.append("本次会议没有表决事项。")
    return "\n".join(lines)


def _names(session: Session, user_ids: list[int]) -> list[str]:
    if not user_ids:
        return []
    found = {u.id: u.name for u in session.exec(select(User).where(col(User.id).in_(user_ids)))}
    return [found[i] for i in user_ids if i in found]


def names_of(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return {u.id: u.name for u in session.exec(select(User).where(col(User.id).in_(sorted(user_ids))))}

