"""Read models of 文明实践活动 for the API and the pages: an activity as its reader may see it (the sign-up list and
the no-shows for its organisers only), and the activities a person sees."""

from sqlmodel import Session, col, select

from app.activities.models import (
    STATUS_LABELS,
    Activity,
    ActivityPhoto,
    ActivityPublic,
    ActivitySignup,
    ActivityStatus,
    SignupPublic,
    SignupStatus,
)
from app.activities.service import no_shows, signup_of, user_names
from app.errors import Forbidden
from app.ledger.approvals import credit_request_for
from app.ledger.models import TxnKind
from app.ledger.service import Source
from app.org.access import Actor, may_run_activity, participant_village, units_over
from app.org.models import OrgKind, OrgUnit
from app.paging import Page, page_desc
from app.timeutil import as_utc, utcnow
from app.volunteer.catalogue import hours

LEVEL_WORDS = {OrgKind.village: "新时代文明实践站", OrgKind.township: "新时代文明实践所",
               OrgKind.county: "新时代文明实践中心"}


def organiser_name(session: Session, org_id: int) -> str:
    unit = session.get(OrgUnit, org_id)
    return f"{unit.name}{LEVEL_WORDS.get(unit.kind, '')}" if unit else ""


def signup_public(row: ActivitySignup, name: str, credit=None, points: int | None = None) -> SignupPublic:
    return SignupPublic(user_id=row.user_id, name=name, household_id=row.household_id, status=row.status,
                        attended=row.checked_in_at is not None and row.status == SignupStatus.signed,
                        checkin_way=row.checkin_way, checked_in_at=row.checked_in_at,
                        points=points if credit is not None else None,
                        credit_status=credit.status if credit is not None else None)


def activity_public(session: Session, activity: Activity, *, viewer: Actor) -> ActivityPublic:
    organises = may_run_activity(session, viewer, activity.org_id)
    mine = signup_of(session, activity_id=activity.id, user_id=viewer.id)
    credits = _credits(session, activity) if activity.status == ActivityStatus.closed else {}
    signups = missing = None
    if organises:
        rows = list(session.exec(select(ActivitySignup).where(ActivitySignup.activity_id == activity.id)
                                 .order_by(ActivitySignup.id)))
        names = user_names(session, [r.user_id for r in rows])
        signups = [signup_public(r, names.get(r.user_id, ""), *credits.get(r.household_id, (None, None)))
                   for r in rows if r.status == SignupStatus.signed]
        if activity.status == ActivityStatus.closed:
            missing = [signup_public(r, names.get(r.user_id, "")) for r in no_shows(session, activity_id=activity.id)]
    photos = session.exec(select(ActivityPhoto.id).where(ActivityPhoto.activity_id == activity.id)
                          .order_by(ActivityPhoto.id)).all()
    return ActivityPublic(
        id=activity.id, org_id=activity.org_id, organiser=organiser_name(session, activity.org_id),
        title=activity.title, kind=activity.kind, place=activity.place, description=activity.description,
        starts_at=activity.starts_at, places=activity.places, taken=activity.taken, points=activity.points,
        hours=hours(activity.minutes), walk_ins=activity.walk_ins, status=activity.status,
        status_label=STATUS_LABELS.get(activity.status, activity.status),
        my_signup=(signup_public(mine, viewer.user.name, *credits.get(mine.household_id, (None, None)))
                   if mine is not None else None),
        may_organise=organises, signups=signups, no_shows=missing,
        photo_urls=[f"/activities/{activity.id}/photos/{pid}.jpg" for pid in photos],
        closed_at=activity.closed_at, created_at=activity.created_at)


def _credits(session: Session, activity: Activity) -> dict[int, tuple]:
    """household id → (its credit request, the points per attendee) for a closed activity."""
    out = {}
    for row in session.exec(select(ActivitySignup.household_id).where(
            ActivitySignup.activity_id == activity.id, col(ActivitySignup.checked_in_at).is_not(None),
            ActivitySignup.status == SignupStatus.signed, col(ActivitySignup.household_id).is_not(None))).all():
        request = credit_request_for(session, source=Source(TxnKind.activity, activity.id), household_id=row)
        if request is not None:
            out[row] = (request, activity.points)
    return out


def visible_stmt(session: Session, actor: Actor):
    return select(Activity).where(col(Activity.org_id).in_(sorted(units_over(session, actor.villages()))))


def list_activities(session: Session, *, actor: Actor, limit: int | None, cursor: str | None) -> Page:
    """Every activity the actor sees, newest first (the API)."""
    return page_desc(session, visible_stmt(session, actor), Activity.id, limit=limit, cursor=cursor)


def upcoming_and_past(session: Session, *, actor: Actor, past: int = 20) -> tuple[list[Activity], list[Activity]]:
    """For the page: open ones soonest first, then the latest closed or cancelled."""
    stmt = visible_stmt(session, actor)
    upcoming = list(session.exec(stmt.where(Activity.status == ActivityStatus.open)
                                 .order_by(col(Activity.starts_at), col(Activity.id))))
    done = list(session.exec(stmt.where(Activity.status != ActivityStatus.open)
                             .order_by(col(Activity.starts_at).desc()).limit(past)))
    return upcoming, done


def signed_ids(session: Session, *, actor: Actor, activity_ids: list[int]) -> set[int]:
    """Which of these activities the actor is signed up for."""
    if not activity_ids:
        return set()
    return set(session.exec(select(ActivitySignup.activity_id).where(
        ActivitySignup.user_id == actor.id, ActivitySignup.status == SignupStatus.signed,
        col(ActivitySignup.activity_id).in_(activity_ids))).all())


def may_join(session: Session, actor: Actor, activity: Activity) -> bool:
    """Whether the actor may sign up (a villager or volunteer of a covered village): for the 报名 button."""
    try:
        participant_village(session, actor, activity.org_id)
    except Forbidden:
        return False
    return True


def started(activity: Activity) -> bool:
    return as_utc(activity.starts_at) <= utcnow()
