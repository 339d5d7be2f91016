"""Hours → points: a confirmed service order credits its volunteer's household once, through the ledger's door,
by the rule of that household's village (points per hour, a monthly cap, within the town's bounds), from that
village's fund. Above the village's limits the ledger keeps the credit waiting for a second person
(app/ledger/approvals.py); the order counts its points against the monthly cap at once and shows the credit as
waiting until it is approved (`credit_state`)."""

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, select

from app.ledger.approvals import credit_request_for, may_approve
from app.ledger.models import AwardRequest, Category, TxnKind
from app.ledger.policy import PENDING, REFUSED
from app.ledger.service import Once, Source, credit_household, lock_household_account
from app.org.access import Actor
from app.org.models import Household, User
from app.timeutil import month_start, utcnow
from app.volunteer import catalogue
from app.volunteer.models import FINISHED, Approval, ServiceOrder


def settle(session: Session, *, order: ServiceOrder, actor: Actor | None) -> ServiceOrder:
    """Credit the volunteer's household for a confirmed order whose hours are settled: once per order (the order's
    row is held by the step that called this; the ledger's Once scope guards the credit as well), within the
    village's monthly cap. Nothing for a volunteer without a household, or for hours not yet approved."""
    if order.status not in FINISHED or order.approval == Approval.pending or order.points is not None:
        return order
    volunteer = session.get(User, order.volunteer_id) if order.volunteer_id else None
    if volunteer is None or volunteer.household_id is None:
        update_order(session, order, points=0, credited_at=utcnow())
        return order
    household = session.get(Household, volunteer.household_id)
    # The rule of the village whose fund pays and whose month the cap counts: the volunteer's household's (a
    # township or county volunteer may serve in another village than their own).
    per_hour, cap = catalogue.points_rule(session, village_id=household.village_id)
    # Hold the household's account while the month's total is read: two orders confirmed at once stay under the cap.
    lock_household_account(session, household_id=household.id)
    earned = month_points(session, household_id=household.id, now=utcnow())
    points = min(per_hour * (order.credited_minutes or 0) // 60, max(cap - earned, 0))
    if points <= 0:
        update_order(session, order, points=0, credited_at=utcnow())
        return order
    credit = credit_household(
        session, household=household, points=points, category=Category.public_good,
        reason=f"志愿服务：{order.title}（服务单 #{order.id}，{catalogue.hours(order.credited_minutes):g} 小时）",
        source=Source(TxnKind.service, order.id), actor_id=actor.id if actor else None,
        once=Once(f"service-order:{order.id}", "credit"))
    # Waiting for approval: the points count against the month already; the ledger posts them on approval.
    update_order(session, order, points=points, credited_at=utcnow(),
                 transaction_id=None if credit.status == PENDING else credit.id)
    return order


def credit_state(session: Session, order: ServiceOrder) -> AwardRequest | None:
    """The credit registered for the order (pending: waiting for a second person; posted), if any."""
    if not order.points:
        return None
    return credit_request_for(session, source=Source(TxnKind.service, order.id))


def update_order(session: Session, order: ServiceOrder, **values) -> None:
    """Set fields that are no step of the state machine (the points, the photo) on an order the caller holds."""
    session.execute(update(ServiceOrder).where(ServiceOrder.id == order.id).values(**values)
                    .execution_options(synchronize_session=False))
    session.expire(order)
    session.flush()


def month_points(session: Session, *, household_id: int, now: datetime) -> int:
    """Service points the household has been credited this calendar month (posted or waiting; a credit a second
    person refused never counts against the cap)."""
    refused = select(AwardRequest.id).where(AwardRequest.source_kind == TxnKind.service,
                                            AwardRequest.source_id == ServiceOrder.id,
                                            AwardRequest.status == REFUSED)
    total = session.exec(
        select(func.coalesce(func.sum(ServiceOrder.points), 0))
        .join(User, User.id == ServiceOrder.volunteer_id)
        .where(User.household_id == household_id, ServiceOrder.credited_at >= month_start(now),
               ~refused.exists())).one()
    return int(total)


def may_approve_credit(session: Session, *, actor: Actor, order: ServiceOrder) -> bool:
    """Whether the actor may approve the order's waiting credit (for the link to 待审批的积分)."""
    request = credit_state(session, order)
    return request is not None and may_approve(actor, request)
