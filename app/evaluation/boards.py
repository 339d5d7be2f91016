"""What the village reads: the month's 红黑榜 (with black-list follow-ups, 教育转化), the yearly coverage against
the plan's 60 %, and 积分公示 — every credit and reversal of the month, read from the ledger by kind."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.audit.service import record_action
from app.errors import InvalidState, NotFound
from app.evaluation.models import (
    ROUND_TARGET,
    Criterion,
    EvaluationAction,
    EvaluationRound,
    FollowUp,
    ListKind,
    ResultLine,
    RoundStatus,
)
from app.evaluation.service import line_list, line_points, listed_households, month_label, round_lines
from app.idempotency import create_once
from app.ledger.models import (
    CATEGORY_LABELS,
    CREDIT_KINDS,
    Account,
    AccountKind,
    LedgerEntry,
    LedgerTransaction,
    TxnKind,
)
from app.org.access import OFFICIALS, VILLAGE_STAFF, Actor
from app.org.models import Household, OrgKind, OrgUnit, RoleAssignment, User
from app.org.service import mask_name
from app.text import clean_text

COVERAGE_TARGET = 60  # per cent of households on either list within 12 months (county plan §三(四))


def shift_month(month: str, by: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def this_month(tz: str) -> str:
    return datetime.now(ZoneInfo(tz)).strftime("%Y-%m")


# --- the board ----------------------------------------------------------------------------------------------

@dataclass
class BoardHousehold:
    household_id: int
    name: str  # masked
    items: list[tuple[str, str, int]]  # (category label, item, points)
    reasons: list[str]
    followups: list[FollowUp] = field(default_factory=list)
    transformed: bool = False


@dataclass
class Board:
    village_id: int
    month: str
    round: EvaluationRound | None
    red: list[BoardHousehold]
    black: list[BoardHousehold]  # still on the list
    transformed: list[BoardHousehold]  # left the black list after an official recorded the change


def month_board(session: Session, *, village_id: int, month: str) -> Board:
    """The red and black lists of the village's final round for `month` (empty before it is final)."""
    evaluation = session.exec(select(EvaluationRound).where(
        EvaluationRound.village_id == village_id, EvaluationRound.month == month,
        EvaluationRound.status == RoundStatus.final)).first()
    if evaluation is None:
        return Board(village_id, month, None, [], [], [])
    lines = round_lines(session, evaluation=evaluation)
    listed = listed_households(lines)
    criteria = {c.id: c for c in session.exec(select(Criterion).where(Criterion.village_id == village_id))}
    ids = {h for kind in listed.values() for h in kind}
    names = {h.id: h.head_name for h in session.exec(select(Household).where(col(Household.id).in_(ids)))}
    followups: dict[int, list[FollowUp]] = defaultdict(list)
    for f in session.exec(select(FollowUp).where(FollowUp.round_id == evaluation.id).order_by(FollowUp.id)):
        followups[f.household_id].append(f)

    def entry(household_id: int, own: list[ResultLine]) -> BoardHousehold:
        return BoardHousehold(
            household_id, mask_name(names.get(household_id, "")),
            [(CATEGORY_LABELS.get(criteria[x.criterion_id].category, ""), criteria[x.criterion_id].name,
              line_points(x)) for x in own], [x.reason for x in own], followups.get(household_id, []),
            any(f.transformed for f in followups.get(household_id, [])))

    red = [entry(h, own) for h, own in sorted(listed[ListKind.red].items())]
    black_all = [entry(h, own) for h, own in sorted(listed[ListKind.black].items())]
    return Board(village_id, month, evaluation, red, [b for b in black_all if not b.transformed],
                 [b for b in black_all if b.transformed])


def record_followup(session: Session, *, actor: Actor, evaluation: EvaluationRound, household_id: int,
                    visited_by: str, change: str, transformed: bool, idempotency_key: str | None) -> FollowUp:
    """An official records a visit to a black-listed household (who visited, what changed); `transformed` takes
    the household off that month's black list."""
    actor.require(evaluation.village_id, OFFICIALS, "只有村干部可以记录教育转化")
    if evaluation.status != RoundStatus.final:
        raise InvalidState("定榜之后才能记录教育转化")
    black = listed_households(round_lines(session, evaluation=evaluation))[ListKind.black]
    household = session.get(Household, household_id)
    if household is None or household.village_id != evaluation.village_id:
        raise NotFound("找不到该农户")
    if household_id not in black:
        raise InvalidState("这户不在这个月的黑榜上")
    visited_by = clean_text(visited_by, label="走访人", max_length=100, field="visited_by")
    change = clean_text(change, label="转化情况", max_length=500, multiline=True, field="change")

    def action() -> FollowUp:
        row = FollowUp(round_id=evaluation.id, village_id=evaluation.village_id, household_id=household_id,
                       visited_by=visited_by, change=change, transformed=bool(transformed), recorded_by_id=actor.id)
        session.add(row)
        session.flush()
        record_action(session, actor_id=actor.id, action=EvaluationAction.followup_record,
                      village_id=evaluation.village_id, target_type=ROUND_TARGET, target_id=evaluation.id,
                      target_label=f"{month_label(evaluation.month)} · {household.head_name}", reason=change,
                      detail={"household_id": household_id, "visited_by": visited_by,
                              "transformed": bool(transformed)})
        return row

    return create_once(session, scope=f"user:{actor.id}:followup", key=idempotency_key,
                       payload={"round_id": evaluation.id, "household_id": household_id, "visited_by": visited_by,
                                "change": change, "transformed": bool(transformed)}, model=FollowUp, action=action)


# --- coverage -----------------------------------------------------------------------------------------------

@dataclass
class Coverage:
    org_id: int
    name: str
    listed: int
    households: int

    @property
    def percent(self) -> int:
        return round(100 * self.listed / self.households) if self.households else 0

    @property
    def met(self) -> bool:
        return self.households > 0 and 100 * self.listed >= COVERAGE_TARGET * self.households


def village_coverage(session: Session, *, village_ids: list[int], month: str) -> list[Coverage]:
    """Per village: households on the red or black list of a final round in the 12 months up to `month`."""
    first = shift_month(month, -11)
    listed: dict[int, set[int]] = defaultdict(set)
    stmt = (select(ResultLine).join(EvaluationRound, col(EvaluationRound.id) == ResultLine.round_id)
            .where(col(ResultLine.village_id).in_(village_ids), EvaluationRound.status == RoundStatus.final,
                   EvaluationRound.month >= first, EvaluationRound.month <= month))
    for line in session.exec(stmt):
        if line_list(line):
            listed[line.village_id].add(line.household_id)
    counts = dict(session.exec(select(Household.village_id, func.count()).where(
        col(Household.village_id).in_(village_ids)).group_by(Household.village_id)).all())
    units = {u.id: u.name for u in session.exec(select(OrgUnit).where(col(OrgUnit.id).in_(village_ids)))}
    return [Coverage(v, units.get(v, ""), len(listed[v]), counts.get(v, 0)) for v in sorted(village_ids)]


def rolled_up(session: Session, rows: list[Coverage]) -> list[Coverage]:
    """The villages' coverage summed per township and for the county above them."""
    parents = {u.id: u for u in session.exec(select(OrgUnit))}
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        unit = parents.get(row.org_id)
        while unit is not None and unit.parent_id is not None:
            unit = parents.get(unit.parent_id)
            if unit is None:
                break
            sums[unit.id][0] += row.listed
            sums[unit.id][1] += row.households
    order = {OrgKind.county: 0, OrgKind.township: 1}
    units = sorted((parents[i] for i in sums), key=lambda u: (order.get(u.kind, 2), u.id))
    return [Coverage(u.id, u.name, sums[u.id][0], sums[u.id][1]) for u in units]


# --- 积分公示 -------------------------------------------------------------------------------------------------

@dataclass
class NoticeLine:
    transaction_id: int
    created_at: datetime
    household: str  # masked
    points: int
    kind: str
    category: str | None
    reason: str
    actor: str | None
    source_id: int | None
    reverses_id: int | None


@dataclass
class PointsNotice:
    village_id: int
    month: str
    lines: list[NoticeLine]
    totals: dict[str, int]  # per category label (a reversal counts against its category)
    total: int
    fund_balance: int


def _month_bounds(month: str, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=zone)
    nxt = shift_month(month, 1)
    return start, datetime(int(nxt[:4]), int(nxt[5:7]), 1, tzinfo=zone)


def points_notice(session: Session, *, village_id: int, month: str, tz: str) -> PointsNotice:
    """Every credit into a household of the village in the month (awards, evaluation, service — whatever kind of
    credit the ledger knows) and every reversal of one, with who decided and why."""
    start, end = _month_bounds(month, tz)
    stmt = (select(LedgerTransaction, LedgerEntry, Household.head_name, User.name)
            .join(LedgerEntry, col(LedgerEntry.transaction_id) == LedgerTransaction.id)
            .join(Account, col(Account.id) == LedgerEntry.account_id)
            .join(Household, col(Household.id) == Account.household_id)
            .join(User, col(User.id) == LedgerTransaction.actor_id, isouter=True)
            .where(LedgerTransaction.village_id == village_id, Account.kind == AccountKind.household,
                   col(LedgerTransaction.kind).in_([*CREDIT_KINDS, TxnKind.reversal]),
                   LedgerTransaction.created_at >= start, LedgerTransaction.created_at < end)
            .order_by(col(LedgerTransaction.id).desc()))
    rows = list(session.exec(stmt))
    # Who decided is named when they act for the village (an official, an admin); a villager who confirmed a service
    # by rating it is masked like every household on this page.
    actor_ids = {t.actor_id for t, *_ in rows if t.actor_id}
    staff = set(session.exec(select(RoleAssignment.user_id).where(
        col(RoleAssignment.user_id).in_(actor_ids), col(RoleAssignment.role).in_(VILLAGE_STAFF))))
    reversed_ids = {t.reverses_id for t, *_ in rows if t.reverses_id}
    originals = {t.id: t for t in session.exec(select(LedgerTransaction).where(
        col(LedgerTransaction.id).in_(reversed_ids)))} if reversed_ids else {}
    lines, totals = [], defaultdict(int)
    for txn, entry, head_name, actor in rows:
        category = txn.category
        if txn.kind == TxnKind.reversal:
            original = originals.get(txn.reverses_id)
            if original is None or original.kind not in CREDIT_KINDS:
                continue  # a redemption's reversal gives goods' points back: not an award
            category = original.category
        lines.append(NoticeLine(txn.id, txn.created_at, mask_name(head_name), entry.amount,
                                txn.kind, category, txn.reason,
                                actor if txn.actor_id in staff or actor is None else mask_name(actor),
                                txn.source_id, txn.reverses_id))
        totals[CATEGORY_LABELS.get(category or "other", "其他")] += entry.amount
    fund = session.exec(select(Account).where(Account.key == f"{AccountKind.village_fund}:{village_id}")).first()
    return PointsNotice(village_id, month, lines, dict(totals), sum(totals.values()), fund.balance if fund else 0)
