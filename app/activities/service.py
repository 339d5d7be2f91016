"""文明实践活动: publishing, signing up and withdrawing, checking in (the organiser's rotating code, or the list),
closing — each attendee's household credited once through the ledger's door — and the photos after closing.

Every write that counts places or changes who came holds the activity's row first (PostgreSQL: FOR UPDATE; SQLite:
the writer is held already), so two taps, two phones or two organisers at once are taken one after the other."""

import base64
import hashlib
import hmac
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.activities.models import (
    ACTIVITY_TARGET,
    KINDS,
    MAX_PHOTOS,
    MAX_PLACES,
    MAX_POINTS,
    Activity,
    ActivityAction,
    ActivityPhoto,
    ActivitySignup,
    ActivityStatus,
    CheckinWay,
    SignupStatus,
)
from app.audit.service import record_action
from app.errors import Conflict, DomainError, Forbidden, InvalidState, NotFound, ValidationFailed
from app.idempotency import create_once
from app.ids import in_range, int_within
from app.images import Photo
from app.ledger.models import Category, TxnKind
from app.ledger.service import Once, Source, credit_household
from app.org.access import (
    Actor,
    acting_household,
    get_visible_under,
    may_run_activity,
    participant_village,
    publishing_unit,
)
from app.org.models import Household, OrgKind, OrgUnit, User
from app.text import clean_text
from app.timeutil import TIMEZONE, as_utc, local, utcnow
from app.volunteer.catalogue import to_minutes

CHECKIN_SECONDS = 120  # a check-in code is good this long after it is shown
ROTATE_SECONDS = 30  # the organiser's screen shows a fresh code this often
LATEST_START = timedelta(days=366)
CATEGORY_OF_KIND = {"卫生大扫除": Category.hygiene}  # else 热心公益


class ActivityFull(Conflict):
    code, message = "activity_full", "名额已满，下次早点报名"


class InvalidCheckinCode(DomainError):
    status_code, code, message = 400, "invalid_checkin_code", "签到码无效，请扫组织者手机上的签到码"


class CheckinCodeExpired(DomainError):
    status_code, code, message = 410, "checkin_code_expired", "签到码已过期，请重新扫组织者手机上的新码"


# --- publishing ---------------------------------------------------------------------------------------------------

def create_activity(session: Session, *, actor: Actor, org_id: int | None, title: str, kind: str, place: str,
                    description: str, starts_at: datetime, places: int, points: int, hours: float | None,
                    walk_ins: bool, idempotency_key: str | None, tz: str = TIMEZONE) -> Activity:
    """A 站 / 所 / 中心 publishes an activity for the villages under it (a time to come, places, points each)."""
    unit = publishing_unit(session, actor, org_id)
    title = clean_text(title, label="活动名称", max_length=40, field="title")
    place = clean_text(place, label="活动地点", max_length=100, field="place")
    description = clean_text(description, label="活动说明", max_length=500, required=False, multiline=True)
    kind = kind if kind in KINDS else "其他"
    if not int_within(places, 1, MAX_PLACES):
        raise ValidationFailed(f"名额应为 1 到 {MAX_PLACES} 之间的整数", field="places")
    if not int_within(points, 0, MAX_POINTS):
        raise ValidationFailed(f"每人积分应为 0 到 {MAX_POINTS} 之间的整数", field="points")
    minutes = None if hours is None else to_minutes(hours, label="志愿时长")
    starts_at = starts_at.replace(tzinfo=ZoneInfo(tz)) if starts_at.tzinfo is None else starts_at
    if not utcnow() < as_utc(starts_at) <= utcnow() + LATEST_START:
        raise ValidationFailed("活动时间应在现在到一年之内", field="starts_at")

    def action() -> Activity:
        activity = Activity(org_id=unit.id, title=title, kind=kind, place=place, description=description,
                            starts_at=starts_at, places=places, points=points, minutes=minutes, walk_ins=walk_ins,
                            organiser_id=actor.id)
        session.add(activity)
        session.flush()
        _audit(session, actor, ActivityAction.activity_create, activity, unit=unit,
               detail={"places": places, "points": points, "starts_at": as_utc(starts_at).isoformat()})
        return activity

    return create_once(session, scope=f"user:{actor.id}:activity", key=idempotency_key, model=Activity,
                       payload={"org_id": unit.id, "title": title, "kind": kind, "place": place,
                                "description": description, "starts_at": as_utc(starts_at).isoformat(),
                                "places": places, "points": points, "minutes": minutes, "walk_ins": walk_ins},
                       action=action)


def visible_activity(session: Session, actor: Actor, activity_id: int) -> Activity:
    """An activity of a unit over one of the actor's villages; another township's (or village's) is not found."""
    return get_visible_under(session, actor, Activity, activity_id, missing="找不到该活动")


def run_activity(session: Session, actor: Actor, activity: Activity) -> None:
    """Refuse anyone but its organisers (the publishers of its 站 / 所 / 中心)."""
    if not may_run_activity(session, actor, activity.org_id):
        raise Forbidden("只有活动的组织者可以签到、登记和结束活动")


# --- signing up ---------------------------------------------------------------------------------------------------

def sign_up(session: Session, *, actor: Actor, activity: Activity) -> ActivitySignup:
    """A villager or volunteer of a covered village signs up: one sign-up however often it is sent (a double tap
    answers the same one); no place left → `activity_full`; only before it starts."""
    participant_village(session, actor, activity.org_id)
    _hold(session, activity)
    row = signup_of(session, activity_id=activity.id, user_id=actor.id)
    if row is not None and row.status == SignupStatus.signed:
        return row
    _require_open(activity)
    if as_utc(activity.starts_at) <= utcnow():
        raise InvalidState("活动已经开始，不能再报名")
    row = _take_place(session, actor=actor, activity=activity, row=row)
    _audit(session, actor, ActivityAction.activity_signup, activity)
    return row


def withdraw(session: Session, *, actor: Actor, activity: Activity) -> ActivitySignup:
    """The participant cancels before the activity starts; the place is free again. Cancelling twice answers the
    same; once checked in, it cannot be cancelled."""
    row = signup_of(session, activity_id=activity.id, user_id=actor.id)
    if row is None:
        raise NotFound("您还没有报名这个活动")
    _hold(session, activity)
    session.refresh(row)
    if row.status == SignupStatus.cancelled:
        return row
    _require_open(activity)
    if row.checked_in_at is not None or as_utc(activity.starts_at) <= utcnow():
        raise InvalidState("活动已经开始（或已签到），不能取消报名")
    _move_taken(session, activity, -1)
    _update(session, row, status=SignupStatus.cancelled, changed_at=utcnow())
    _audit(session, actor, ActivityAction.activity_withdraw, activity)
    return row


def signup_of(session: Session, *, activity_id: int, user_id: int) -> ActivitySignup | None:
    return session.exec(select(ActivitySignup).where(ActivitySignup.activity_id == activity_id,
                                                     ActivitySignup.user_id == user_id)).first()


def _take_place(session: Session, *, actor: Actor, activity: Activity, row: ActivitySignup | None,
                way: str | None = None) -> ActivitySignup:
    """A place for the actor (their cancelled row signed again, or a new one), refused when none is left."""
    if activity.taken >= activity.places:
        raise ActivityFull()
    _move_taken(session, activity, +1)
    household = acting_household(session, actor)
    now = utcnow()
    values = {"status": SignupStatus.signed, "household_id": household.id if household else None,
              "changed_at": now, "checked_in_at": now if way else None, "checkin_way": way,
              "checked_in_by_id": actor.id if way else None}
    if row is None:
        row = ActivitySignup(activity_id=activity.id, user_id=actor.id, **values)
        session.add(row)
        session.flush()
    else:
        _update(session, row, **values)
    return row


# --- checking in ----------------------------------------------------------------------------------------------------

def _signature(activity_id: int, expires: int, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"activity-checkin:{activity_id}:{expires}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:16]).decode().rstrip("=")


def checkin_code(session: Session, *, actor: Actor, activity: Activity, secret: str,
                 now: datetime | None = None) -> tuple[str, datetime]:
    """The code the organiser's phone shows (signed, good for CHECKIN_SECONDS): `<activity>-<expiry>-<signature>`.
    Nothing is stored: the signature is the proof; the screen asks for a fresh one every ROTATE_SECONDS. Letters,
    digits, `-` and `_` only: it travels in a path (/a/<code>) and through the sign-in's `next`."""
    run_activity(session, actor, activity)
    _require_open(activity)
    expires = int((now or utcnow()).timestamp()) + CHECKIN_SECONDS
    return f"{activity.id}-{expires}-{_signature(activity.id, expires, secret)}", datetime.fromtimestamp(
        expires, tz=ZoneInfo("UTC"))


def code_activity_id(token: str) -> int | None:
    """The activity a scanned code names (unchecked: checking in checks it), or None for something else."""
    head = (token or "").split("-", 1)[0]
    return int(head) if head.isdigit() and len(head) <= 10 and in_range(int(head)) else None


def read_checkin_code(token: str, *, activity: Activity, secret: str) -> None:
    """Refuse a code that is not this activity's, was not signed by this server, or has expired."""
    parts = (token or "").strip().split("-", 2)
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[1]) > 12:
        raise InvalidCheckinCode()
    activity_id, expires = int(parts[0]), int(parts[1])
    if not hmac.compare_digest(parts[2], _signature(activity_id, expires, secret)):
        raise InvalidCheckinCode()
    if activity_id != activity.id:
        raise InvalidCheckinCode("这是另一个活动的签到码，请扫本活动组织者手机上的码")
    if expires < utcnow().timestamp():
        raise CheckinCodeExpired()


def check_in(session: Session, *, actor: Actor, activity: Activity, token: str, secret: str) -> ActivitySignup:
    """The participant scanned the organiser's code: present. Someone not signed up comes in as a walk-in while
    places remain (if the activity takes walk-ins). Checking in twice answers the same."""
    read_checkin_code(token, activity=activity, secret=secret)
    participant_village(session, actor, activity.org_id)
    _hold(session, activity)
    _require_open(activity)
    row = signup_of(session, activity_id=activity.id, user_id=actor.id)
    if row is not None and row.status == SignupStatus.signed:
        if row.checked_in_at is None:
            _update(session, row, checked_in_at=utcnow(), checkin_way=CheckinWay.qr, checked_in_by_id=actor.id,
                    changed_at=utcnow())
            _audit(session, actor, ActivityAction.activity_checkin, activity)
        return row
    if not activity.walk_ins:
        raise InvalidState("您没有报名这个活动，本活动不接受现场报名")
    row = _take_place(session, actor=actor, activity=activity, row=row, way=CheckinWay.walk_in)
    _audit(session, actor, ActivityAction.activity_checkin, activity, detail={"walk_in": True})
    return row


def mark_attendance(session: Session, *, actor: Actor, activity: Activity, present: list[int],
                    absent: list[int]) -> Activity:
    """The organiser ticks names on the list (`present`), or takes a tick back (`absent`); only people signed up."""
    run_activity(session, actor, activity)
    _hold(session, activity)
    _require_open(activity)
    present, absent = sorted(set(present)), sorted(set(absent) - set(present))
    rows = {r.user_id: r for r in session.exec(select(ActivitySignup).where(
        ActivitySignup.activity_id == activity.id, ActivitySignup.status == SignupStatus.signed,
        col(ActivitySignup.user_id).in_(present + absent)))}
    strangers = [uid for uid in present + absent if uid not in rows]
    if strangers:
        raise ValidationFailed(f"有 {len(strangers)} 人不在报名名单上（编号 {strangers[0]}）", field="user_ids")
    now, changed = utcnow(), 0
    for uid in present:
        if rows[uid].checked_in_at is None:
            _update(session, rows[uid], checked_in_at=now, checkin_way=CheckinWay.by_list, checked_in_by_id=actor.id,
                    changed_at=now)
            changed += 1
    for uid in absent:
        if rows[uid].checked_in_at is not None:
            _update(session, rows[uid], checked_in_at=None, checkin_way=None, checked_in_by_id=None, changed_at=now)
            changed += 1
    if changed:
        _audit(session, actor, ActivityAction.activity_attendance, activity,
               detail={"present": len(present), "absent": len(absent)})
    return activity


# --- closing --------------------------------------------------------------------------------------------------------

def close_activity(session: Session, *, actor: Actor, activity: Activity) -> Activity:
    """The organiser closes it once it has started: each attendee's household is credited once (points × its
    attendees) through the ledger's door — however often or concurrently this is sent. A household of the closer
    is not credited by them: the ledger keeps that credit for a second person (回避). No-shows stay on record."""
    run_activity(session, actor, activity)
    if as_utc(activity.starts_at) > utcnow():
        _hold(session, activity)
        _require_open(activity)
        raise InvalidState("活动还没开始，开始后才能结束并发放积分")
    moved = session.execute(update(Activity).where(col(Activity.id) == activity.id,
                                                   col(Activity.status) == ActivityStatus.open)
                            .values(status=ActivityStatus.closed, closed_at=utcnow(), closed_by_id=actor.id)
                            .execution_options(synchronize_session=False)).rowcount
    session.refresh(activity)
    if moved != 1:
        if activity.status == ActivityStatus.closed:
            return activity
        _require_open(activity)
    credited = _credit_attendees(session, actor=actor, activity=activity)
    _audit(session, actor, ActivityAction.activity_close, activity,
           detail={"attendees": sum(credited.values()), "households": len(credited),
                   "no_shows": len(no_shows(session, activity_id=activity.id))})
    return activity


def _credit_attendees(session: Session, *, actor: Actor, activity: Activity) -> dict[int, int]:
    """household id → attendees credited for."""
    per_household: dict[int, int] = defaultdict(int)
    for row in attendees(session, activity_id=activity.id):
        if row.household_id is not None:
            per_household[row.household_id] += 1
    if activity.points <= 0:
        return per_household
    day = local(activity.starts_at).strftime("%Y-%m-%d")
    for household_id, count in sorted(per_household.items()):
        household = session.get(Household, household_id)
        who = f"，{count} 人参加" if count > 1 else ""
        credit_household(
            session, household=household, points=activity.points * count,
            reason=f"文明实践活动：{activity.title}（{day}{who}）",
            category=CATEGORY_OF_KIND.get(activity.kind, Category.public_good),
            source=Source(TxnKind.activity, activity.id), actor_id=actor.id,
            once=Once(f"activity:{activity.id}", f"household:{household_id}"))
    return per_household


def attendees(session: Session, *, activity_id: int) -> list[ActivitySignup]:
    return list(session.exec(select(ActivitySignup).where(
        ActivitySignup.activity_id == activity_id, ActivitySignup.status == SignupStatus.signed,
        col(ActivitySignup.checked_in_at).is_not(None)).order_by(ActivitySignup.id)))


def no_shows(session: Session, *, activity_id: int) -> list[ActivitySignup]:
    """Signed up, never present."""
    return list(session.exec(select(ActivitySignup).where(
        ActivitySignup.activity_id == activity_id, ActivitySignup.status == SignupStatus.signed,
        col(ActivitySignup.checked_in_at).is_(None)).order_by(ActivitySignup.id)))


# --- photos ---------------------------------------------------------------------------------------------------------

def add_photo(session: Session, *, actor: Actor, activity: Activity, photo: Photo) -> ActivityPhoto:
    """The organiser publishes a photo of the activity after closing it (checked and re-encoded beforehand)."""
    run_activity(session, actor, activity)
    if activity.status != ActivityStatus.closed:
        raise InvalidState("活动结束后才能上传照片")
    count = session.exec(select(func.count()).select_from(ActivityPhoto)
                         .where(ActivityPhoto.activity_id == activity.id)).one()
    if count >= MAX_PHOTOS:
        raise ValidationFailed(f"每个活动最多 {MAX_PHOTOS} 张照片")
    data, content_type = photo
    row = ActivityPhoto(activity_id=activity.id, data=data, content_type=content_type, uploaded_by_id=actor.id)
    session.add(row)
    session.flush()
    _audit(session, actor, ActivityAction.activity_photo, activity, detail={"photo_id": row.id})
    return row


def activity_photo(session: Session, *, activity: Activity, photo_id: int) -> ActivityPhoto:
    photo = session.get(ActivityPhoto, photo_id) if in_range(photo_id) else None
    if photo is None or photo.activity_id != activity.id:
        raise NotFound("找不到该照片")
    return photo


# --- helpers --------------------------------------------------------------------------------------------------------

def _hold(session: Session, activity: Activity) -> None:
    """The activity's row, locked until the transaction ends, read fresh."""
    session.refresh(activity, with_for_update=True)


def _require_open(activity: Activity) -> None:
    if activity.status == ActivityStatus.closed:
        raise InvalidState("活动已经结束")
    if activity.status != ActivityStatus.open:
        raise InvalidState("活动已取消")


def _move_taken(session: Session, activity: Activity, by: int) -> None:
    session.execute(update(Activity).where(col(Activity.id) == activity.id).values(taken=Activity.taken + by)
                    .execution_options(synchronize_session=False))
    session.refresh(activity)


def _update(session: Session, row: ActivitySignup, **values) -> None:
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()


def _audit(session: Session, actor: Actor, action: ActivityAction, activity: Activity, *,
           unit: OrgUnit | None = None, detail: dict | None = None) -> None:
    unit = unit or session.get(OrgUnit, activity.org_id)
    village_id = unit.id if unit is not None and unit.kind == OrgKind.village else None
    record_action(session, actor_id=actor.id, action=action, village_id=village_id, target_type=ACTIVITY_TARGET,
                  target_id=activity.id, target_label=activity.title, detail=detail)


def user_names(session: Session, user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(session.exec(select(User.id, User.name).where(col(User.id).in_(user_ids))).all())
