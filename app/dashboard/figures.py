"""A unit's figures for a period (issue #20): households and active households, points issued (by source and by the
plan's six categories), redeemed, held and outstanding, red/black coverage, service orders, disclosures and shop
settlements — for a village, a township or the county, with a row per child unit.

Every family of figures is one aggregate query over the whole subtree, grouped by village (`GROUP BY village_id`);
the villages' rows (a few hundred at county scale) are then summed up the tree in Python. A parent's figures are the
sum of its children's, and its rates are recomputed from the sums. Nothing here reads a row per household or builds
an ORM object per row; `unit_figures` is the one entry (the dashboards' API and page), `unit_levels` the 中期评估
report's (every level below a unit, from the same queries)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, literal, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.auth.models import HouseholdSignIn
from app.ceremonies.models import Ceremony, CeremonyStatus
from app.disclosure.models import Disclosure, DisclosureRead
from app.evaluation.boards import COVERAGE_TARGET
from app.evaluation.models import EvaluationRound, ListKind, ResultLine, RoundStatus
from app.ledger.funds import FUND_RATE
from app.ledger.models import (
    CREDIT_KINDS,
    Account,
    AccountKind,
    LedgerEntry,
    LedgerMonth,
    LedgerTransaction,
    TxnKind,
)
from app.org.models import Household, OrgKind, OrgUnit
from app.org.settings import read_many
from app.shop.models import Shop
from app.shop.redemption.models import Redemption, RedemptionItem
from app.timeutil import TIMEZONE, Period, month_bounds, shift_month, utcnow
from app.volunteer.catalogue import SERVICE_RULES
from app.volunteer.models import OrderStatus, ServiceOrder

SOURCES = tuple(str(k) for k in CREDIT_KINDS)  # award, evaluation, service: the doors points enter households by
DONE = (OrderStatus.completed, OrderStatus.rated, OrderStatus.confirmed)  # the volunteer finished the service


@dataclass
class Figures:
    """One unit's figures: plain sums in `counts` (so that a parent adds its children's), rates derived from them.

    Keys of `counts`: households, active, issued:<source>, category:<category>, redeemed, held, balances, red, black,
    listed, orders, completed, overdue, minutes, rated, stars, published, reads, possible_reads, settled,
    settled_points, settled_fen; month:<i> (points issued in the period's i-th month); ceremonies:filed:<i>,
    ceremonies:within:<i>, ceremonies:over:<i> (婚丧事 filed in the i-th month, and of those held within the
    standards or not, as the council recorded)."""

    org_id: int
    name: str
    kind: str
    period: Period
    counts: Counter = field(default_factory=Counter)
    children: list["Figures"] = field(default_factory=list)
    parent: str = ""  # the name of the unit above (set by `unit_levels`)

    def __getitem__(self, key: str) -> int:
        return self.counts[key]

    @property
    def issued(self) -> int:
        return sum(self.counts[f"issued:{s}"] for s in SOURCES)

    @property
    def by_source(self) -> dict[str, int]:
        return {s: self.counts[f"issued:{s}"] for s in SOURCES}

    @property
    def by_category(self) -> dict[str, int]:
        return {k.split(":", 1)[1]: v for k, v in sorted(self.counts.items()) if k.startswith("category:") and v}

    @property
    def monthly(self) -> list[tuple[str, int]]:
        return [(m, self.counts[f"month:{i}"]) for i, m in enumerate(self.period.months)]

    def ceremonies(self, what: str) -> int:
        """婚丧事 filings over the period: `filed`, `within` or `over` (by the month they were filed in)."""
        return sum(self.counts[f"ceremonies:{what}:{i}"] for i in range(len(self.period.months)))

    @property
    def outstanding(self) -> int:
        """Points the households still have to spend at the period's end: their balances and what they hold."""
        return self.counts["balances"] + self.counts["held"]

    @property
    def coverage_rate(self) -> float:
        return _rate(self.counts["listed"], self.counts["households"])

    @property
    def coverage_met(self) -> bool:
        return self.counts["households"] > 0 and 100 * self.counts["listed"] >= COVERAGE_TARGET * self.counts[
            "households"]

    @property
    def hours(self) -> float:
        return round(self.counts["minutes"] / 60, 1)

    @property
    def rating(self) -> float | None:
        return round(self.counts["stars"] / self.counts["rated"], 2) if self.counts["rated"] else None

    @property
    def read_rate(self) -> float:
        return _rate(self.counts["reads"], self.counts["possible_reads"])

    @property
    def active_rate(self) -> float:
        return _rate(self.counts["active"], self.counts["households"])


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def coverage_window(period: Period) -> tuple[str, str]:
    """The months whose final rounds count towards coverage: the twelve up to the period's last month (the plan's
    yearly 60 %, as 红黑榜覆盖率 counts it), or the whole period where it is longer."""
    return min(period.first, shift_month(period.last, -11)), period.last


def unit_figures(session: Session, *, unit: OrgUnit, period: Period, tz: str, now: datetime | None = None
                 ) -> Figures:
    """The unit's figures for the period, with one row per child unit (county → townships, township → villages);
    each village's figures counted by the database, then summed up the tree."""
    tree = _Tree(session)
    per_village = _per_village(session, tree, unit, period=period, tz=tz, now=now)
    top = _summed(tree, unit.id, period, per_village)
    top.children = [_summed(tree, child, period, per_village) for child in tree.children(unit.id)]
    return top


def unit_levels(session: Session, *, unit: OrgUnit, period: Period, tz: str, now: datetime | None = None
                ) -> list[tuple[str, list[Figures]]]:
    """The unit's figures and those of every level below it, down to the villages (the 中期评估 report's sheets):
    [(kind, rows)] from the unit's kind down — for a county [("county", [it]), ("township", [each]),
    ("village", [each])]; each row's `parent` is the name of the unit above it. Counted as `unit_figures` counts
    (one query per family over the whole subtree), so a row equals that unit's own `unit_figures`."""
    tree = _Tree(session)
    per_village = _per_village(session, tree, unit, period=period, tz=tz, now=now)
    by_kind: dict[str, list[Figures]] = defaultdict(list)
    frontier = [unit.id]
    while frontier:  # breadth first: the townships in order, then their villages township by township
        current = frontier.pop(0)
        row = _summed(tree, current, period, per_village)
        parent = tree.units[current][0]
        row.parent = tree.units[parent][2] if parent in tree.units else ""
        by_kind[row.kind].append(row)
        frontier.extend(tree.children(current))
    return [(kind, by_kind[kind]) for kind in (OrgKind.county, OrgKind.township, OrgKind.village) if kind in by_kind]


def _per_village(session: Session, tree: "_Tree", unit: OrgUnit, *, period: Period, tz: str,
                 now: datetime | None) -> dict[int, Counter]:
    villages = sorted(tree.villages_under(unit.id))
    per_village: dict[int, Counter] = defaultdict(Counter)
    if villages:
        for family in (_households, _active, _ledger_flows, _balances, _coverage, _service, _disclosures,
                       _settlements, _ceremonies):
            family(session, per_village, villages=villages, period=period, tz=tz, now=now or utcnow())
    return per_village


# --- the org tree, read once ----------------------------------------------------------------------------------------

class _Tree:
    def __init__(self, session: Session) -> None:
        self.units = {i: (parent, kind, name) for i, parent, kind, name in session.exec(
            select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.kind, OrgUnit.name))}
        self.below: dict[int, list[int]] = defaultdict(list)
        for i, (parent, kind, _) in sorted(self.units.items()):
            if parent is not None and kind != OrgKind.group:
                self.below[parent].append(i)

    def children(self, unit_id: int) -> list[int]:
        return [] if self.units[unit_id][1] == OrgKind.village else list(self.below[unit_id])

    def villages_under(self, unit_id: int) -> set[int]:
        found, frontier = set(), [unit_id]
        while frontier:
            current = frontier.pop()
            if self.units[current][1] == OrgKind.village:
                found.add(current)
            else:
                frontier.extend(self.below[current])
        return found


def _summed(tree: _Tree, unit_id: int, period: Period, per_village: dict[int, Counter]) -> Figures:
    _, kind, name = tree.units[unit_id]
    figures = Figures(unit_id, name, kind, period)
    for village in tree.villages_under(unit_id):
        figures.counts.update(per_village.get(village, Counter()))
    return figures


# --- one query per family, grouped by village ------------------------------------------------------------------------

def _households(session: Session, out: dict[int, Counter], *, villages: list[int], **_) -> None:
    for village, count in session.exec(select(Household.village_id, func.count()).where(
            col(Household.village_id).in_(villages)).group_by(Household.village_id)):
        out[village]["households"] += count


def _active(session: Session, out: dict[int, Counter], *, villages: list[int], period: Period, **_) -> None:
    """Households a member of which signed in during the period (each once)."""
    for village, count in session.exec(
            select(HouseholdSignIn.village_id, func.count(func.distinct(HouseholdSignIn.household_id)))
            .where(col(HouseholdSignIn.village_id).in_(villages), HouseholdSignIn.month >= period.first,
                   HouseholdSignIn.month <= period.last).group_by(HouseholdSignIn.village_id)):
        out[village]["active"] += count


def _ledger_flows(session: Session, out: dict[int, Counter], *, villages: list[int], period: Period, tz: str,
                  **_) -> None:
    """Points into households by door (award, evaluation, service, claim, activity) and category, each reversal
    counted against what it reversed, and in which month; points into the village's shops (redeemed; a reversed
    redemption gives back). Whole months in the summary's zone are read from the ledger's monthly summary
    (app/ledger/monthly.py: a few rows per village and month); a period in another zone, or the part of one that
    cuts a month, from the entries (`_ledger_flows_long`)."""
    months = _summary_months(period, tz)
    if months is None:
        _ledger_flows_long(session, out, villages=villages, start=period.start, end=period.end, period=period, tz=tz)
        return
    index = {m: i for i, m in enumerate(period.months)}
    M = LedgerMonth
    rows = session.exec(
        select(M.village_id, M.account_kind, M.source, M.category, M.month, func.sum(M.points))
        .where(col(M.village_id).in_(villages), M.month >= months[0], M.month <= months[1],
               col(M.account_kind).in_([AccountKind.household, AccountKind.shop]),
               col(M.source).in_([*CREDIT_KINDS, TxnKind.redemption]))
        .group_by(M.village_id, M.account_kind, M.source, M.category, M.month))
    for village, account_kind, source, what, month, amount in rows:
        _flow(out[village], account_kind, source, what, index[month], int(amount))


def _summary_months(period: Period, tz: str) -> tuple[str, str] | None:
    """The period's first and last month when it is made of whole months of the summary's zone, else None."""
    if tz != TIMEZONE or (period.start, period.end) != (month_bounds(period.first, tz)[0],
                                                         month_bounds(period.last, tz)[1]):
        return None
    return period.first, period.last


def _flow(counts: Counter, account_kind: str, source: str, what: str | None, index: int, amount: int) -> None:
    if account_kind == AccountKind.household and source in SOURCES:
        counts[f"issued:{source}"] += amount
        counts[f"category:{what or 'other'}"] += amount
        counts[f"month:{index}"] += amount
    elif account_kind == AccountKind.shop and source == TxnKind.redemption:
        counts["redeemed"] += amount


def _ledger_flows_long(session: Session, out: dict[int, Counter], *, villages: list[int], start: datetime,
                       end: datetime, period: Period, tz: str) -> None:
    """The flows from start to end the long way: every entry of the village's transactions in that time."""
    original = aliased(LedgerTransaction)
    kind = func.coalesce(original.kind, LedgerTransaction.kind)
    category = func.coalesce(original.category, LedgerTransaction.category)
    month = _month_index(LedgerTransaction.created_at, period, tz)
    rows = session.exec(
        select(Account.village_id, Account.kind, kind, category, month, func.sum(LedgerEntry.amount))
        .select_from(LedgerTransaction)
        .join(LedgerEntry, col(LedgerEntry.transaction_id) == LedgerTransaction.id)
        .join(Account, col(Account.id) == LedgerEntry.account_id)
        .join(original, col(original.id) == LedgerTransaction.reverses_id, isouter=True)
        .where(col(LedgerTransaction.village_id).in_(villages), LedgerTransaction.created_at >= start,
               LedgerTransaction.created_at < end,
               col(Account.kind).in_([AccountKind.household, AccountKind.shop]),
               col(LedgerTransaction.kind).in_([*CREDIT_KINDS, TxnKind.redemption, TxnKind.reversal]))
        .group_by(Account.village_id, Account.kind, kind, category, month))
    for village, account_kind, source, what, index, amount in rows:
        _flow(out[village], account_kind, source, what, index, int(amount))


def _balances(session: Session, out: dict[int, Counter], *, villages: list[int], period: Period, tz: str,
              now: datetime, **_) -> None:
    """What households had and held (open shop requests) at the period's end: the accounts' balances now, less
    what moved on them since (the monthly summary's months after the period; for a period in another zone, the
    ledger's village-and-time index; nothing when the period runs to now)."""
    kinds = [AccountKind.household, AccountKind.hold]
    names = {AccountKind.household: "balances", AccountKind.hold: "held"}
    for village, kind, balance in session.exec(
            select(Account.village_id, Account.kind, func.sum(Account.balance))
            .where(col(Account.village_id).in_(villages), col(Account.kind).in_(kinds))
            .group_by(Account.village_id, Account.kind)):
        out[village][names[kind]] += int(balance or 0)
    if period.end > now:
        return
    if _summary_months(period, tz) is not None:
        moved_since = (select(LedgerMonth.village_id, LedgerMonth.account_kind, func.sum(LedgerMonth.points))
                       .where(col(LedgerMonth.village_id).in_(villages), LedgerMonth.month > period.last,
                              col(LedgerMonth.account_kind).in_(kinds))
                       .group_by(LedgerMonth.village_id, LedgerMonth.account_kind))
    else:
        moved_since = (select(Account.village_id, Account.kind, func.sum(LedgerEntry.amount))
                       .select_from(LedgerTransaction)
                       .join(LedgerEntry, col(LedgerEntry.transaction_id) == LedgerTransaction.id)
                       .join(Account, col(Account.id) == LedgerEntry.account_id)
                       .where(col(LedgerTransaction.village_id).in_(villages),
                              LedgerTransaction.created_at >= period.end, col(Account.kind).in_(kinds))
                       .group_by(Account.village_id, Account.kind))
    for village, kind, moved in session.exec(moved_since):
        out[village][names[kind]] -= int(moved or 0)


def _coverage(session: Session, out: dict[int, Counter], *, villages: list[int], period: Period, **_) -> None:
    """Households on the red list, the black list and either (each once), from final rounds of the coverage window
    (a line on its list and not taken off it by a correction: as 红黑榜覆盖率 counts)."""
    first, last = coverage_window(period)
    household = ResultLine.household_id

    def on(kind: str):
        return func.count(func.distinct(case((ResultLine.list_kind == kind, household))))

    for village, red, black, listed in session.exec(
            select(EvaluationRound.village_id, on(ListKind.red), on(ListKind.black),
                   func.count(func.distinct(household)))
            .join(ResultLine, col(ResultLine.round_id) == EvaluationRound.id)
            .where(col(EvaluationRound.village_id).in_(villages), EvaluationRound.status == RoundStatus.final,
                   EvaluationRound.month >= first, EvaluationRound.month <= last,
                   col(ResultLine.list_kind).in_([ListKind.red, ListKind.black]), col(ResultLine.corrected_list))
            .group_by(EvaluationRound.village_id)):
        out[village].update({"red": red, "black": black, "listed": listed})


def _service(session: Session, out: dict[int, Counter], *, villages: list[int], period: Period, now: datetime,
             **_) -> None:
    """Orders placed in the period (and of those, overdue now by the station board's rule), orders the volunteer
    completed in it with their hours and ratings. One query per set of village rules (villages keep the defaults
    unless their station changed the times)."""
    rules = read_many(session, SERVICE_RULES, villages)
    groups: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for village, r in rules.items():
        groups[(r.dispatch_hours, r.complete_days, r.rate_days)].append(village)
    S = ServiceOrder
    placed = and_(S.created_at >= period.start, S.created_at < period.end)
    done = and_(col(S.completed_at) >= period.start, col(S.completed_at) < period.end, col(S.status).in_(DONE))

    def total(condition, value=1):
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    for (dispatch_hours, complete_days, rate_days), members in groups.items():
        late = or_(and_(S.status == OrderStatus.open, S.created_at < now - timedelta(hours=dispatch_hours)),
                   and_(col(S.status).in_([OrderStatus.open, OrderStatus.dispatched, OrderStatus.accepted]),
                        S.created_at < now - timedelta(days=complete_days)),
                   and_(S.status == OrderStatus.completed, col(S.completed_at) < now - timedelta(days=rate_days)))
        for village, *values in session.exec(
                select(S.village_id, total(placed), total(and_(placed, late)), total(done),
                       total(done, func.coalesce(S.credited_minutes, 0)), total(and_(done, col(S.stars).is_not(None))),
                       total(and_(done, col(S.stars).is_not(None)), func.coalesce(S.stars, 0)))
                .where(col(S.village_id).in_(members), or_(placed, done)).group_by(S.village_id)):
            out[village].update(dict(zip(("orders", "overdue", "completed", "minutes", "rated", "stars"),
                                         (int(v) for v in values), strict=True)))


def _disclosures(session: Session, out: dict[int, Counter], *, villages: list[int], period: Period, **_) -> None:
    """Disclosures published in the period, the households' reads of them, and the reads there could be (each
    disclosure by every household of its village)."""
    published = and_(col(Disclosure.village_id).in_(villages), Disclosure.published_at >= period.start,
                     Disclosure.published_at < period.end)
    for village, count in session.exec(select(Disclosure.village_id, func.count()).where(published)
                                       .group_by(Disclosure.village_id)):
        out[village]["published"] += count  # households were counted first (unit_figures' order)
        out[village]["possible_reads"] += count * out[village]["households"]
    for village, reads in session.exec(
            select(Disclosure.village_id, func.count())
            .join(DisclosureRead, col(DisclosureRead.disclosure_id) == Disclosure.id)
            .where(published).group_by(Disclosure.village_id)):
        out[village]["reads"] += reads


def _settlements(session: Session, out: dict[int, Counter], *, villages: list[int], period: Period, **_) -> None:
    """What the village's shops handed out in the period, as their monthly settlements count it (reversed
    redemptions left out), and its 元 at the village's rate."""
    reversal = aliased(LedgerTransaction)
    # NOT EXISTS over the unique index on reverses_id (a NOT IN over every reversal scans the ledger on PostgreSQL).
    unreversed = ~select(reversal.id).where(reversal.reverses_id == Redemption.transaction_id).exists()
    rates = read_many(session, FUND_RATE, villages)
    for village, count, points in session.exec(
            select(Shop.village_id, func.count(func.distinct(Redemption.id)), func.sum(RedemptionItem.points))
            .select_from(Shop)
            .join(Redemption, col(Redemption.shop_id) == Shop.id)
            .join(RedemptionItem, col(RedemptionItem.redemption_id) == Redemption.id)
            .where(col(Shop.village_id).in_(villages), Redemption.created_at >= period.start,
                   Redemption.created_at < period.end, unreversed)
            .group_by(Shop.village_id)):
        out[village]["settled"] += count
        out[village]["settled_points"] += int(points or 0)
        out[village]["settled_fen"] += int(points or 0) * rates[village].fen_per_point


def _month_index(column, period: Period, tz: str):
    """The index of the period's month a timestamp falls in (the villages' months), as SQL."""
    bounds = [month_bounds(m, tz)[1] for m in period.months[:-1]]
    return case(*((column < b, literal(i)) for i, b in enumerate(bounds)),
                else_=literal(len(bounds))) if bounds else literal(0)


def _ceremonies(session: Session, out: dict[int, Counter], *, villages: list[int], period: Period, tz: str,
                **_) -> None:
    """婚丧事 filed in each month of the period, and of those the ones the council recorded as held within the
    village's standards, or not."""
    C = Ceremony
    done = C.status == CeremonyStatus.done

    def total(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    month = _month_index(C.created_at, period, tz)
    for village, index, filed, within, over in session.exec(
            select(C.village_id, month, func.count(), total(and_(done, col(C.within).is_(True))),
                   total(and_(done, col(C.within).is_(False))))
            .where(col(C.village_id).in_(villages), C.created_at >= period.start, C.created_at < period.end)
            .group_by(C.village_id, month)):
        out[village].update({f"ceremonies:filed:{index}": int(filed), f"ceremonies:within:{index}": int(within),
                             f"ceremonies:over:{index}": int(over)})


def figures_dict(figures: Figures, *, with_children: bool = True) -> dict:
    """The figures as the API answers them (shared/api-v1.md "Dashboards and reports", plus a few more keys)."""
    c = figures.counts
    answer = {
        "org_id": figures.org_id, "name": figures.name, "kind": figures.kind,
        "period": {"from": figures.period.first, "to": figures.period.last, "label": figures.period.label},
        "households": c["households"], "active_households": c["active"],
        "points": {"issued": figures.issued, "redeemed": c["redeemed"], "held": c["held"],
                   "outstanding": figures.outstanding, "balances": c["balances"], "by_source": figures.by_source,
                   "by_category": figures.by_category,
                   "monthly": [{"month": m, "issued": v} for m, v in figures.monthly]},
        "coverage": {"red": c["red"], "black": c["black"], "households": c["listed"],
                     "rate": figures.coverage_rate, "target": COVERAGE_TARGET / 100, "met": figures.coverage_met,
                     "from": coverage_window(figures.period)[0], "to": coverage_window(figures.period)[1]},
        "service": {"orders": c["orders"], "completed": c["completed"], "overdue": c["overdue"],
                    "hours": figures.hours, "rating": figures.rating, "rated": c["rated"]},
        "disclosures": {"published": c["published"], "read_rate": figures.read_rate, "reads": c["reads"]},
        "settlements": {"redemptions": c["settled"], "points": c["settled_points"], "yuan_fen": c["settled_fen"],
                        "yuan": f"{c['settled_fen'] // 100}.{c['settled_fen'] % 100:02d}"},
        "ceremonies": {"filed": figures.ceremonies("filed"), "within": figures.ceremonies("within"),
                       "over": figures.ceremonies("over"),
                       "monthly": [{"month": m, "filed": c[f"ceremonies:filed:{i}"],
                                    "within": c[f"ceremonies:within:{i}"]}
                                   for i, m in enumerate(figures.period.months)]},
    }
    if with_children:
        answer["children"] = [figures_dict(child, with_children=False) | {"children": []}
                              for child in figures.children]
    return answer
