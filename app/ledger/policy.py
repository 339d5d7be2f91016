"""The one credit policy (issue #15, reliability.md I10): every credit to a household, whatever door it comes
through — a direct award, an evaluation result, service hours — is checked against the same village limits (one
credit, the household's credits in a calendar month); above them it waits for a second person. The limits and the
bounds within which a village's officials set what a point is worth are the town (or county) admin's, audited."""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.audit.service import record_action
from app.errors import ValidationFailed
from app.ids import int_within
from app.ledger.models import ACCOUNT_TARGET, AwardLimit, AwardRequest, LedgerAction
from app.org.access import ADMINS, Actor
from app.org.models import OrgUnit
from app.timeutil import month_start, utcnow

MAX_AWARD = 100_000
DEFAULT_SINGLE_LIMIT = 200
DEFAULT_MONTHLY_LIMIT = 500
PENDING, POSTED = "pending", "posted"


@dataclass(frozen=True)
class Bound:
    low: int
    high: int
    label: str


# What the town admin may set for a village, and within what.
BOUNDS = {
    "single_limit": Bound(1, MAX_AWARD * 10, "单笔限额"),
    "monthly_limit": Bound(1, MAX_AWARD * 10, "每户每月限额"),
    "max_points_per_hour": Bound(0, 1000, "每小时服务积分上限"),
    "max_service_cap": Bound(0, 100_000, "每户每月服务积分上限"),
    "min_notice_days": Bound(0, 30, "最短公示天数"),
}


def village_policy(session: Session, *, village_id: int) -> AwardLimit:
    """The village's bounds (the defaults until the town admin sets them); not added to the session."""
    row = session.exec(select(AwardLimit).where(AwardLimit.village_id == village_id)).first()
    return row or AwardLimit(village_id=village_id, single_limit=DEFAULT_SINGLE_LIMIT,
                             monthly_limit=DEFAULT_MONTHLY_LIMIT)


def village_limits(session: Session, *, village_id: int) -> tuple[int, int]:
    policy = village_policy(session, village_id=village_id)
    return policy.single_limit, policy.monthly_limit


def set_bounds(session: Session, *, actor: Actor, village_id: int, **values: int | None) -> AwardLimit:
    """The town (or county) admin sets a village's limits and bounds: the officials they hold back do not. Each
    change is audited (and listed on the village's 积分公示 for the month)."""
    actor.require(village_id, ADMINS, "积分限额和规则上限由乡镇管理员设置")
    row = session.exec(select(AwardLimit).where(AwardLimit.village_id == village_id)).first()
    row = row or village_policy(session, village_id=village_id)
    before = {key: getattr(row, key) for key in BOUNDS}
    for key, value in values.items():
        if value is None:
            continue
        bound = BOUNDS[key]
        if not int_within(value, bound.low, bound.high):
            raise ValidationFailed(f"{bound.label}应为 {bound.low} 到 {bound.high} 之间的整数", field=key)
        setattr(row, key, value)
    after = {key: getattr(row, key) for key in BOUNDS}
    row.updated_by_id, row.updated_at = actor.id, utcnow()
    session.add(row)
    unit = session.get(OrgUnit, village_id)
    changed = {key: [before[key], after[key]] for key in BOUNDS if before[key] != after[key]}
    action = (LedgerAction.award_limits_set if set(changed) <= {"single_limit", "monthly_limit"}
              else LedgerAction.village_bounds_set)
    record_action(session, actor_id=actor.id, action=action, village_id=village_id,
                  target_type=ACCOUNT_TARGET, target_id=None, target_label=unit.name if unit else "",
                  detail={"changed": changed, **after})
    session.flush()
    return row


def set_limits(session: Session, *, actor: Actor, village_id: int, single_limit: int, monthly_limit: int
               ) -> tuple[int, int]:
    row = set_bounds(session, actor=actor, village_id=village_id, single_limit=single_limit,
                     monthly_limit=monthly_limit)
    return row.single_limit, row.monthly_limit


def month_total(session: Session, *, household_id: int) -> int:
    """Points credited to the household this month through any door, posted or waiting."""
    return session.exec(select(func.coalesce(func.sum(AwardRequest.points), 0)).where(
        AwardRequest.household_id == household_id, col(AwardRequest.created_at) >= month_start())).one()


def over_limits(session: Session, *, village_id: int, household_id: int, points: int) -> dict | None:
    """None when a credit of `points` is within the village's limits; else what it is over (for the audit)."""
    single, monthly = village_limits(session, village_id=village_id)
    total = month_total(session, household_id=household_id) + points
    if points > single or total > monthly:
        return {"single_limit": single, "monthly_limit": monthly, "monthly_total": total}
    return None


def bound_for(session: Session, *, village_id: int, key: str) -> int:
    return getattr(village_policy(session, village_id=village_id), key)
