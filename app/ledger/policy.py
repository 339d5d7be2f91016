"""The one credit policy (issue #15, reliability.md I10): every credit to a household, whatever door it comes
through — a direct award, an evaluation result, service hours — is checked against the same village limits (one
credit, the household's credits in a calendar month); above them it waits for a second person. The limits and the
bounds within which a village's officials set what a point is worth are the town (or county) admin's, audited."""


from sqlalchemy import func
from sqlmodel import Session, col, select

from app.ledger.models import AwardLimit, AwardRequest, LedgerAction
from app.org.access import ADMINS, Actor
from app.org.settings import Rule, SettingsKind, declare_kind, read_many, read_settings, write_settings
from app.timeutil import month_start

MAX_AWARD = 100_000
DEFAULT_SINGLE_LIMIT = 200
DEFAULT_MONTHLY_LIMIT = 500
PENDING, POSTED, REFUSED = "pending", "posted", "refused"


# What the town admin may set for a village, and within what.
BOUNDS = {
    "single_limit": Rule(1, MAX_AWARD * 10, "单笔限额"),
    "monthly_limit": Rule(1, MAX_AWARD * 10, "每户每月限额"),
    "max_points_per_hour": Rule(0, 1000, "每小时服务积分上限"),
    "max_service_cap": Rule(0, 100_000, "每户每月服务积分上限"),
    "min_notice_days": Rule(0, 30, "最短公示天数"),
}


LIMIT_KEYS = {"single_limit", "monthly_limit"}


def _words(changed: dict) -> str:
    """A change of the limits alone reads as before (设置积分奖励限额); any bound as 设置村积分规则上限."""
    return (LedgerAction.award_limits_set if set(changed) <= LIMIT_KEYS else LedgerAction.village_bounds_set).label


AWARD_LIMITS = declare_kind(SettingsKind(
    name="award_limits", model=AwardLimit, writers=ADMINS, forbidden="积分限额和规则上限由乡镇管理员设置",
    label=LedgerAction.village_bounds_set.label, describe=_words,
    rules=BOUNDS,
    defaults={"single_limit": DEFAULT_SINGLE_LIMIT, "monthly_limit": DEFAULT_MONTHLY_LIMIT}))


def village_policy(session: Session, *, village_id: int) -> AwardLimit:
    """The village's bounds (the defaults until the town admin sets them); not added to the session."""
    return read_settings(session, AWARD_LIMITS, village_id)


def village_policies(session: Session, *, village_ids: list[int]) -> dict[int, AwardLimit]:
    """`village_policy` for several villages, in one query."""
    return read_many(session, AWARD_LIMITS, village_ids)


def village_limits(session: Session, *, village_id: int) -> tuple[int, int]:
    policy = village_policy(session, village_id=village_id)
    return policy.single_limit, policy.monthly_limit


def set_bounds(session: Session, *, actor: Actor, village_id: int, **values: int | None) -> AwardLimit:
    """The town (or county) admin sets a village's limits and bounds: the officials they hold back do not. Each
    change is audited (and listed on the village's 积分公示 for the month)."""
    return write_settings(session, actor=actor, kind=AWARD_LIMITS, village_id=village_id, values=values)


def set_limits(session: Session, *, actor: Actor, village_id: int, single_limit: int, monthly_limit: int
               ) -> tuple[int, int]:
    row = set_bounds(session, actor=actor, village_id=village_id, single_limit=single_limit,
                     monthly_limit=monthly_limit)
    return row.single_limit, row.monthly_limit


def month_total(session: Session, *, household_id: int) -> int:
    """Points credited to the household this month through any door, posted or waiting (a refused one never
    counts: it was never credited)."""
    return session.exec(select(func.coalesce(func.sum(AwardRequest.points), 0)).where(
        AwardRequest.household_id == household_id, col(AwardRequest.created_at) >= month_start(),
        AwardRequest.status != REFUSED)).one()


def month_totals(session: Session, *, household_ids: list[int]) -> dict[int, int]:
    """`month_total` for many households, in one grouped query."""
    return dict(session.exec(select(AwardRequest.household_id, func.sum(AwardRequest.points)).where(
        col(AwardRequest.household_id).in_(household_ids), col(AwardRequest.created_at) >= month_start(),
        AwardRequest.status != REFUSED).group_by(AwardRequest.household_id)).all())


def over(points: int, total: int, single: int, monthly: int) -> dict | None:
    """What a credit of `points` is over, `total` being the household's month with it; None when within."""
    if points > single or total > monthly:
        return {"single_limit": single, "monthly_limit": monthly, "monthly_total": total}
    return None


def over_limits(session: Session, *, village_id: int, household_id: int, points: int) -> dict | None:
    """None when a credit of `points` is within the village's limits; else what it is over (for the audit)."""
    single, monthly = village_limits(session, village_id=village_id)
    return over(points, month_total(session, household_id=household_id) + points, single, monthly)
