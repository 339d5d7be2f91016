"""Limits on officials' direct awards (issue #8): above the village's limit for one award, or above a household's
monthly total of direct awards, an award does not post; it waits until another official of the village or the town
(county) admin approves it, and posts exactly once however often or concurrently that is sent. Evaluation and
service credits are not direct awards: they pass through the committee and the notice period instead."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.audit.service import record_action
from app.errors import Forbidden, InvalidState, ValidationFailed
from app.idempotency import run_idempotent
from app.ledger.accounts import household_account
from app.ledger.models import (
    AwardLimit,
    AwardOutcome,
    AwardRequest,
    LedgerAction,
    LedgerEntry,
    TxnKind,
)
from app.ledger.service import MAX_AWARD, Once, Source, award_points, clean_award, credit_household
from app.org.access import OFFICIALS, VILLAGE_STAFF, Actor, get_visible
from app.org.models import HOUSEHOLD_TARGET, Household, OrgUnit
from app.timeutil import utcnow

DEFAULT_SINGLE_LIMIT = 200
DEFAULT_MONTHLY_LIMIT = 500
PENDING, POSTED = "pending", "posted"


def village_limits(session: Session, *, village_id: int) -> tuple[int, int]:
    row = session.exec(select(AwardLimit).where(AwardLimit.village_id == village_id)).first()
    return (row.single_limit, row.monthly_limit) if row else (DEFAULT_SINGLE_LIMIT, DEFAULT_MONTHLY_LIMIT)


def set_limits(session: Session, *, actor: Actor, village_id: int, single_limit: int, monthly_limit: int
               ) -> tuple[int, int]:
    """The town (or county) admin sets a village's limits: the officials the limits hold back do not."""
    actor.require(village_id, {"town_admin", "county_admin"}, "奖励限额由乡镇管理员设置")
    for value in (single_limit, monthly_limit):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_AWARD * 10:
            raise ValidationFailed(f"限额应为 1 到 {MAX_AWARD * 10} 之间的整数")
    row = session.exec(select(AwardLimit).where(AwardLimit.village_id == village_id)).first()
    row = row or AwardLimit(village_id=village_id, single_limit=single_limit, monthly_limit=monthly_limit)
    row.single_limit, row.monthly_limit, row.updated_by_id, row.updated_at = (single_limit, monthly_limit, actor.id,
                                                                                utcnow())
    session.add(row)
    unit = session.get(OrgUnit, village_id)
    record_action(session, actor_id=actor.id, action=LedgerAction.award_limits_set, village_id=village_id,
                  target_type="account", target_id=None, target_label=unit.name if unit else "",
                  detail={"single_limit": single_limit, "monthly_limit": monthly_limit})
    session.flush()
    return single_limit, monthly_limit


def _month_start(tz: str) -> datetime:
    now = datetime.now(ZoneInfo(tz))
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def monthly_direct_total(session: Session, *, household_id: int, tz: str) -> int:
    """Points of the household's direct awards this month, posted or waiting."""
    return session.exec(select(func.coalesce(func.sum(AwardRequest.points), 0)).where(
        AwardRequest.household_id == household_id, AwardRequest.created_at >= _month_start(tz))).one()


def propose_award(session: Session, *, actor: Actor, household: Household, points: int, reason: str,
                  category: str | None, idempotency_key: str | None, tz: str) -> AwardOutcome:
    """An official's direct award: posted at once within the village's limits, else left waiting for approval."""
    actor.require(household.village_id, OFFICIALS)
    points, reason, category = clean_award(points=points, reason=reason, category=category)

    def action() -> AwardOutcome:
        # The household's account row, locked (SQLite: the writer is held already): two awards for one household
        # at once are counted against the monthly limit one after the other.
        account = household_account(session, household_id=household.id)
        session.refresh(account, with_for_update=True)
        single, monthly = village_limits(session, village_id=household.village_id)
        total = monthly_direct_total(session, household_id=household.id, tz=tz) + points
        request = AwardRequest(village_id=household.village_id, household_id=household.id, points=points,
                               reason=reason, category=category, status=PENDING, proposed_by_id=actor.id)
        if points > single or total > monthly:
            session.add(request)
            session.flush()
            record_action(session, actor_id=actor.id, action=LedgerAction.points_award_pending,
                          village_id=household.village_id, target_type=HOUSEHOLD_TARGET, target_id=household.id,
                          target_label=household.head_name, reason=reason,
                          detail={"request_id": request.id, "points": points, "category": category,
                                  "single_limit": single, "monthly_limit": monthly, "monthly_total": total})
            return AwardOutcome(id=request.id, household_id=household.id, points=points, status=PENDING,
                                category=category, reason=reason, request_id=request.id)
        posted = award_points(session, actor=actor, household=household, points=points, reason=reason,
                              category=category, idempotency_key=None)
        request.status, request.transaction_id, request.decided_at = POSTED, posted.id, utcnow()
        session.add(request)
        session.flush()
        return AwardOutcome(**posted.model_dump(), status=POSTED, request_id=request.id)

    return run_idempotent(session, scope=f"user:{actor.id}:award", key=idempotency_key,
                          payload={"household_id": household.id, "points": points, "reason": reason,
                                   "category": category}, result_type=AwardOutcome, action=action)


def visible_request(session: Session, actor: Actor, request_id: int) -> AwardRequest:
    return get_visible(session, actor, AwardRequest, request_id, roles=VILLAGE_STAFF, missing="找不到该奖励")


def approve_award(session: Session, *, actor: Actor, request: AwardRequest) -> AwardOutcome:
    """Another official of the village, or the town (county) admin, approves a waiting award: it posts once."""
    actor.require(request.village_id, VILLAGE_STAFF)
    if request.proposed_by_id == actor.id:
        raise Forbidden("不能批准自己提交的奖励，请另一位村干部或乡镇管理员批准")
    moved = session.execute(update(AwardRequest).where(col(AwardRequest.id) == request.id,
                                                       col(AwardRequest.status) == PENDING)
                            .values(status=POSTED, approved_by_id=actor.id, decided_at=utcnow())).rowcount
    session.refresh(request)
    household = session.get(Household, request.household_id)
    if moved != 1:
        if request.status == POSTED and request.transaction_id is not None:
            return _outcome(session, request)
        raise InvalidState("这笔奖励已处理")
    posted = credit_household(session, household=household, points=request.points, reason=request.reason,
                              category=request.category, source=Source(TxnKind.award),
                              actor_id=request.proposed_by_id, once=Once(f"award-request:{request.id}", "post"))
    request.transaction_id = posted.id
    session.add(request)
    session.flush()
    record_action(session, actor_id=actor.id, action=LedgerAction.points_award_approve,
                  village_id=request.village_id, target_type=HOUSEHOLD_TARGET, target_id=household.id,
                  target_label=household.head_name, reason=request.reason,
                  detail={"request_id": request.id, "transaction_id": posted.id, "points": request.points,
                          "proposed_by": request.proposed_by_id})
    return AwardOutcome(**posted.model_dump(), status=POSTED, request_id=request.id)


def _outcome(session: Session, request: AwardRequest) -> AwardOutcome:
    account = household_account(session, household_id=request.household_id)
    after = session.exec(select(LedgerEntry.balance_after).where(
        LedgerEntry.transaction_id == request.transaction_id, LedgerEntry.account_id == account.id)).first()
    return AwardOutcome(id=request.transaction_id, household_id=request.household_id, points=request.points,
                        status=POSTED, balance_after=after, category=request.category, reason=request.reason,
                        request_id=request.id)


def pending_awards(session: Session, *, actor: Actor) -> list[AwardRequest]:
    """The waiting awards of the villages the actor runs or oversees, oldest first."""
    stmt = select(AwardRequest).where(AwardRequest.status == PENDING,
                                      col(AwardRequest.village_id).in_(sorted(actor.villages(VILLAGE_STAFF))))
    return list(session.exec(stmt.order_by(AwardRequest.id)))
