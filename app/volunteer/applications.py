"""志愿者注册 (issue #17 item 2): a villager applies on 服务, the station (the village's officials) approves — the
volunteer role on the village, the same grant as an appointment, and they stay a villager — or declines. Who may
is app/org/access.py's (applicant_village, application_village, refuse_own_application)."""

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.audit.service import record_action
from app.errors import Conflict, InvalidState, NotFound
from app.ids import in_range
from app.org import units
from app.org.access import Actor, applicant_village, application_village, refuse_own_application
from app.org.models import OrgUnit, Role, RoleAssignment, User
from app.text import clean_text
from app.timeutil import utcnow
from app.volunteer.models import (
    APPLICATION_TARGET,
    ApplicationStatus,
    VolunteerAction,
    VolunteerApplication,
)

MISSING = "找不到该申请"


def apply(session: Session, *, actor: Actor, skills: str, availability: str) -> tuple[VolunteerApplication, bool]:
    """A villager's application to volunteer in their own village, and whether it is new: one open application a
    person — sending it again (a double tap) answers the one that waits."""
    village_id = applicant_village(session, actor)
    skills = clean_text(skills, label="能做的服务", max_length=200, field="skills")
    availability = clean_text(availability, label="有空的时间", max_length=100, required=False, field="availability")
    if _is_volunteer(session, user_id=actor.id, village_id=village_id):
        raise Conflict("您已经是本村的志愿者")
    waiting = open_application(session, user_id=actor.id)
    if waiting is not None:
        return waiting, False
    application = VolunteerApplication(village_id=village_id, user_id=actor.id, open_user_id=actor.id,
                                       skills=skills, availability=availability)
    try:
        with session.begin_nested():
            session.add(application)
            session.flush()
    except IntegrityError:  # the same person's other tap got there first
        waiting = open_application(session, user_id=actor.id)
        if waiting is None:
            raise
        return waiting, False
    record_action(session, actor_id=actor.id, action=VolunteerAction.application_create, village_id=village_id,
                  target_type=APPLICATION_TARGET, target_id=application.id, target_label=actor.user.name,
                  detail={"skills": skills, "availability": availability})
    return application, True


def approve(session: Session, *, actor: Actor, application_id: int) -> VolunteerApplication:
    """同意: the applicant becomes a volunteer of the village (an appointment in the audit log) and stays a villager."""
    application = _decidable(session, actor, application_id)
    applicant = session.get(User, application.user_id)
    village = session.get(OrgUnit, application.village_id)
    _decide(session, actor=actor, application=application, status=ApplicationStatus.approved, reason="")
    units.grant_role(session, actor=actor, unit=village, role=Role.volunteer, user=applicant,  # type: ignore[arg-type]
                     detail={"application_id": application.id})
    return application


def decline(session: Session, *, actor: Actor, application_id: int, reason: str) -> VolunteerApplication:
    """不同意, with an optional reason the applicant reads."""
    application = _decidable(session, actor, application_id)
    reason = clean_text(reason, label="原因", max_length=200, required=False, field="reason")
    _decide(session, actor=actor, application=application, status=ApplicationStatus.declined, reason=reason)
    applicant = session.get(User, application.user_id)
    record_action(session, actor_id=actor.id, action=VolunteerAction.application_decline,
                  village_id=application.village_id, target_type=APPLICATION_TARGET, target_id=application.id,
                  target_label=applicant.name if applicant else "", reason=reason)
    return application


def open_application(session: Session, *, user_id: int) -> VolunteerApplication | None:
    return session.exec(select(VolunteerApplication).where(VolunteerApplication.open_user_id == user_id)).first()


def my_applications(session: Session, *, user_id: int) -> list[VolunteerApplication]:
    return list(session.exec(select(VolunteerApplication).where(VolunteerApplication.user_id == user_id)
                             .order_by(VolunteerApplication.id.desc()).limit(5)))


def village_applications(session: Session, *, actor: Actor, village_id: int,
                         limit: int = 100) -> list[tuple[VolunteerApplication, User]]:
    """The village's applications with their applicants: the waiting ones first, then the newest."""
    village_id = application_village(actor, village_id)
    waiting_first = (VolunteerApplication.open_user_id.is_(None), VolunteerApplication.id.desc())
    return list(session.exec(select(VolunteerApplication, User).join(User, User.id == VolunteerApplication.user_id)
                             .where(VolunteerApplication.village_id == village_id)
                             .order_by(*waiting_first).limit(limit)))


def _is_volunteer(session: Session, *, user_id: int, village_id: int) -> bool:
    return session.exec(select(RoleAssignment.id).where(RoleAssignment.user_id == user_id,
                                                        RoleAssignment.role == Role.volunteer,
                                                        RoleAssignment.org_id == village_id)).first() is not None


def _decidable(session: Session, actor: Actor, application_id: int) -> VolunteerApplication:
    application = session.get(VolunteerApplication, application_id) if in_range(application_id) else None
    if application is None:
        raise NotFound(MISSING)
    application_village(actor, application.village_id)
    refuse_own_application(actor, application.user_id)
    return application


def _decide(session: Session, *, actor: Actor, application: VolunteerApplication, status: str, reason: str) -> None:
    """Move a waiting application on, once: of two decisions at the same time, the second finds it decided."""
    now = utcnow()
    done = session.execute(update(VolunteerApplication)
                           .where(VolunteerApplication.id == application.id,
                                  VolunteerApplication.status == ApplicationStatus.pending)
                           .values(status=status, open_user_id=None, decided_by_id=actor.id, decided_at=now,
                                   reason=reason))
    if done.rowcount != 1:
        raise InvalidState("该申请已经处理过了")
    session.refresh(application)


def count_waiting(session: Session, *, village_ids: set[int]) -> int:
    """Applications waiting in these villages (the station's badge)."""
    if not village_ids:
        return 0
    return session.exec(select(func.count()).select_from(VolunteerApplication)
                        .where(VolunteerApplication.village_id.in_(sorted(village_ids)),
                               VolunteerApplication.open_user_id.is_not(None))).one()


def village_of(session: Session, application_id: int) -> int:
    """The village an application belongs to (it exists: a refusal about it is being shown)."""
    application = session.get(VolunteerApplication, application_id)
    if application is None:
        raise NotFound(MISSING)
    return application.village_id
