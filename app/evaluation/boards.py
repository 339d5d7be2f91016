"""What the village reads: the month's 红黑榜 (with black-list follow-ups, 教育转化), the yearly coverage against
the plan's 60 %, and 积分公示 — every credit and reversal of the month, read from the ledger by kind, and every
change to the rules points are given by (limits, bounds, service rules) that month."""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.audit.models import AuditEntry
from app.audit.registry import label_of
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
from app.evaluation.service import (  # noqa: F401 - shift_month is imported from here too
    line_points,
    listed_households,
    listed_lines,
    month_label,
    shift_month,
    village_and_above,
)
from app.idempotency import create_once
from app.ledger.models import (
    CATEGORY_LABELS,
    CREDIT_KINDS,
    FUND_TXN_KINDS,
    Account,
    AccountKind,
    LedgerAction,
    LedgerEntry,
    LedgerTransaction,
    TxnKind,
)
from app.ledger.policy import AWARD_LIMITS, BOUNDS
from app.org.access import COMMITTEE, OFFICIALS, VILLAGE_STAFF, Actor
from app.org.models import ROLE_LABELS, Household, OrgAction, OrgKind, OrgUnit, Role, RoleAssignment, User
from app.org.service import shown_name
from app.text import clean_text
from app.timeutil import month_bounds, this_month  # noqa: F401 - this_month is read from here too
from app.volunteer.catalogue import LIMITS as SERVICE_LIMITS
from app.volunteer.catalogue import SERVICE_RULES
from app.volunteer.models import VolunteerAction

# Who may change a village's rules, lowest first.
VILLAGE_STAFF_ORDER = (Role.official, Role.town_admin, Role.county_admin)
COVERAGE_TARGET = 60  # per cent of households on either list within 12 months (county plan §三(四))


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


def month_board(session: Session, *, village_id: int, month: str, reader: Actor | None = None) -> Board:
    """The red and black lists of the village's final round for `month` (empty before it is final); names masked,
    the reader's own household's in full (None: nobody's, as on the printed sheet for the wall)."""
    evaluation = session.exec(select(EvaluationRound).where(
        EvaluationRound.village_id == village_id, EvaluationRound.month == month,
        EvaluationRound.status == RoundStatus.final)).first()
    if evaluation is None:
        return Board(village_id, month, None, [], [], [])
    listed = listed_households(listed_lines(session, evaluation=evaluation))
    criteria = {c.id: c for c in session.exec(select(Criterion).where(Criterion.village_id == village_id))}
    ids = {h for kind in listed.values() for h in kind}
    names = {h.id: h.head_name for h in session.exec(select(Household).where(col(Household.id).in_(ids)))}
    followups: dict[int, list[FollowUp]] = defaultdict(list)
    for f in session.exec(select(FollowUp).where(FollowUp.round_id == evaluation.id).order_by(FollowUp.id)):
        followups[f.household_id].append(f)

    def entry(household_id: int, own: list[ResultLine]) -> BoardHousehold:
        return BoardHousehold(
            household_id, shown_name(reader, name=names.get(household_id, ""), household_id=household_id),
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
    black = listed_households(listed_lines(session, evaluation=evaluation))[ListKind.black]
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
    """Per village: households on the red or black list of a final round in the 12 months up to `month`.

    Counted by the database, a village's rounds first (by village and month) and then their listed lines (by round
    and list, an index that holds the household too): a county's year is millions of lines, and reading them as
    objects grew the server by gigabytes (issue #20). A line is on its list as `line_list` says: a list kind, and no
    correction that took it off."""
    first = shift_month(month, -11)
    listed = dict(session.exec(
        select(EvaluationRound.village_id, func.count(func.distinct(ResultLine.household_id)))
        .join(ResultLine, col(ResultLine.round_id) == EvaluationRound.id)
        .where(col(EvaluationRound.village_id).in_(village_ids), EvaluationRound.status == RoundStatus.final,
               EvaluationRound.month >= first, EvaluationRound.month <= month,
               col(ResultLine.list_kind).in_([ListKind.red, ListKind.black]), col(ResultLine.corrected_list))
        .group_by(EvaluationRound.village_id)).all())
    counts = dict(session.exec(select(Household.village_id, func.count()).where(
        col(Household.village_id).in_(village_ids)).group_by(Household.village_id)).all())
    units = {u.id: u.name for u in session.exec(select(OrgUnit).where(col(OrgUnit.id).in_(village_ids)))}
    return [Coverage(v, units.get(v, ""), listed.get(v, 0), counts.get(v, 0)) for v in sorted(village_ids)]


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
class RuleChange:
    """One audited change to the rules the village's points are given by."""

    created_at: datetime
    actor: str  # named: an official or the town admin acts for the village
    role: str  # 村干部, 乡镇管理员 …
    action: str  # code
    label: str  # 设置积分奖励限额 …
    changes: list[tuple[str, int | str | None, int | str | None]]  # (what, before, after)


@dataclass
class PointsNotice:
    village_id: int
    month: str
    lines: list[NoticeLine]
    totals: dict[str, int]  # per category label (a reversal counts against its category)
    total: int
    fund_balance: int
    rule_changes: list[RuleChange] = field(default_factory=list)


# Written before the one audit action for every village rule (app/org/settings.py), and read still.
RULE_ACTIONS = (LedgerAction.award_limits_set, LedgerAction.village_bounds_set, VolunteerAction.settings_update)
# Since: OrgAction.village_settings, for these kinds of rules (the shop's amounts are not the points' rules).
RULE_KINDS = (AWARD_LIMITS, SERVICE_RULES)
RULE_LABELS = {**{key: bound.label for key, bound in BOUNDS.items()},
               **{key: label for key, (_, _, label) in SERVICE_LIMITS.items()},
               "wish_minutes": "心愿单标准时长（分钟）"}


def points_notice(session: Session, *, village_id: int, month: str, tz: str, reader: Actor | None = None
                  ) -> PointsNotice:
    """Every credit into a household of the village in the month (awards, evaluation, service — whatever kind of
    credit the ledger knows) and every reversal of one, with who decided and why; households masked but the
    reader's own."""
    start, end = month_bounds(month, tz)
    stmt = (select(LedgerTransaction, LedgerEntry, Household.head_name, User.name, Household.id)
            .join(LedgerEntry, col(LedgerEntry.transaction_id) == LedgerTransaction.id)
            .join(Account, col(Account.id) == LedgerEntry.account_id)
            .join(Household, col(Household.id) == Account.household_id)
            .join(User, col(User.id) == LedgerTransaction.actor_id, isouter=True)
            .where(LedgerTransaction.village_id == village_id, Account.kind == AccountKind.household,
                   col(LedgerTransaction.kind).in_([*CREDIT_KINDS, TxnKind.reversal]),
                   LedgerTransaction.created_at >= start, LedgerTransaction.created_at < end)
            .order_by(col(LedgerTransaction.id).desc()))
    rows = list(session.exec(stmt))
    # Who decided is named when they act for the village (an official, an admin, a committee member deciding a
    # 申报); a villager who confirmed a service by rating it is masked like every household on this page.
    actor_ids = {t.actor_id for t, *_ in rows if t.actor_id}
    staff = set(session.exec(select(RoleAssignment.user_id).where(
        col(RoleAssignment.user_id).in_(actor_ids), col(RoleAssignment.role).in_(VILLAGE_STAFF | COMMITTEE))))
    reversed_ids = {t.reverses_id for t, *_ in rows if t.reverses_id}
    originals = {t.id: t for t in session.exec(select(LedgerTransaction).where(
        col(LedgerTransaction.id).in_(reversed_ids)))} if reversed_ids else {}
    lines, totals = [], defaultdict(int)
    for txn, entry, head_name, actor, household_id in rows:
        category = txn.category
        if txn.kind == TxnKind.reversal:
            original = originals.get(txn.reverses_id)
            if original is None or original.kind not in CREDIT_KINDS:
                continue  # a redemption's reversal gives goods' points back: not an award
            category = original.category
        lines.append(NoticeLine(txn.id, txn.created_at, shown_name(reader, name=head_name, household_id=household_id),
                                entry.amount, txn.kind, category, txn.reason,
                                actor if txn.actor_id in staff or actor is None
                                else shown_name(reader, name=actor, user_id=txn.actor_id),
                                txn.source_id, txn.reverses_id))
        totals[CATEGORY_LABELS.get(category or "other", "其他")] += entry.amount
    fund = session.exec(select(Account).where(Account.key == f"{AccountKind.village_fund}:{village_id}")).first()
    return PointsNotice(village_id, month, lines, dict(totals), sum(totals.values()), fund.balance if fund else 0,
                        rule_changes(session, village_id=village_id, start=start, end=end))


def rule_changes(session: Session, *, village_id: int, start: datetime, end: datetime) -> list[RuleChange]:
    """The audited changes to the village's award limits, bounds and service rules between `start` and `end`,
    newest first: who (named, with the role they hold over the village), when, each value before and after."""
    actions = [a.value for a in (*RULE_ACTIONS, OrgAction.village_settings)]
    rows = [(entry, name, words) for entry, name in session.exec(
        select(AuditEntry, User.name).join(User, col(User.id) == AuditEntry.actor_id, isouter=True)
        .where(AuditEntry.village_id == village_id, col(AuditEntry.action).in_(actions),
               AuditEntry.created_at >= start, AuditEntry.created_at < end)
        .order_by(col(AuditEntry.id).desc()))
        if (words := _words(entry)) is not None]
    roles = _village_roles(session, village_id=village_id, user_ids={e.actor_id for e, _, _ in rows if e.actor_id})
    return [RuleChange(entry.created_at, name or "系统", roles.get(entry.actor_id, ""), entry.action,
                       words, _changes(entry)) for entry, name, words in rows]


def _words(entry: AuditEntry) -> str | None:
    """What the change was, in the words it has always had (设置积分奖励限额 …); None for another kind of rule."""
    if entry.action != OrgAction.village_settings:
        return label_of(entry.action)
    detail = json.loads(entry.detail or "{}")
    kind = next((k for k in RULE_KINDS if k.name == detail.get("kind")), None)
    return kind.words(detail.get("changed", {})) if kind else None


def _changes(entry: AuditEntry) -> list[tuple[str, int | str | None, int | str | None]]:
    detail = json.loads(entry.detail or "{}")
    if "changed" in detail:  # the town's bounds: {"changed": {key: [before, after]}}
        pairs = {key: tuple(pair) for key, pair in detail["changed"].items()}
    else:  # service rules: {"before": {...}, "after": {...}}
        before, after = detail.get("before", {}), detail.get("after", {})
        pairs = {key: (before.get(key), after[key]) for key in after if before.get(key) != after[key]}
    return [(RULE_LABELS.get(key, key), old, new) for key, (old, new) in pairs.items()]


def _village_roles(session: Session, *, village_id: int, user_ids: set[int]) -> dict[int, str]:
    """The highest role over the village each user holds (村干部, 乡镇管理员, 县管理员), for naming who acted."""
    if not user_ids:
        return {}
    units = village_and_above(session, village_id=village_id)
    order = list(VILLAGE_STAFF_ORDER)
    found: dict[int, str] = {}
    for user_id, role in session.exec(select(RoleAssignment.user_id, RoleAssignment.role).where(
            col(RoleAssignment.user_id).in_(user_ids), col(RoleAssignment.org_id).in_(units),
            col(RoleAssignment.role).in_(order))):
        if user_id not in found or order.index(role) > order.index(found[user_id]):
            found[user_id] = role
    return {user_id: ROLE_LABELS[role] for user_id, role in found.items()}


FUND_LABELS = {TxnKind.allocation: "上级拨付", TxnKind.budget: "本级配套", TxnKind.donation: "社会捐赠"}


def funds_received(session: Session, *, village_id: int, start: datetime, end: datetime) -> dict[str, int]:
    """What came into the village fund in the month, by where from (上级拨付, 本级配套, 社会捐赠): no donor named."""
    key = f"{AccountKind.village_fund}:{village_id}"
    rows = session.exec(select(LedgerTransaction.kind, func.sum(LedgerEntry.amount))
                        .join(LedgerEntry, col(LedgerEntry.transaction_id) == LedgerTransaction.id)
                        .join(Account, col(Account.id) == LedgerEntry.account_id)
                        .where(Account.key == key, col(LedgerTransaction.kind).in_(FUND_TXN_KINDS),
                               LedgerEntry.amount > 0,
                               LedgerTransaction.created_at >= start, LedgerTransaction.created_at < end)
                        .group_by(LedgerTransaction.kind)).all()
    return {FUND_LABELS.get(kind, kind): int(points) for kind, points in rows if points}
