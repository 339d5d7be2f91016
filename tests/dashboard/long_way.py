"""Each dashboard figure computed THE LONG WAY: every row of the domain tables and the ledger read as objects and
counted in plain Python, village by village — nothing shared with app/dashboard/figures.py but the Period."""

from collections import Counter, defaultdict

from sqlmodel import Session, select

from app.auth.models import HouseholdSignIn
from app.ceremonies.models import Ceremony
from app.disclosure.models import Disclosure, DisclosureRead
from app.evaluation.models import EvaluationRound, ResultLine
from app.ledger.funds import fen_per_point
from app.ledger.models import CREDIT_KINDS, Account, LedgerEntry, LedgerTransaction
from app.org.models import Household, OrgUnit
from app.shop.models import Shop
from app.shop.redemption.models import Redemption, RedemptionItem
from app.timeutil import Period, as_utc, local, shift_month, utcnow
from app.volunteer import catalogue
from app.volunteer.models import ServiceOrder
from app.volunteer.service import overdue

CREDITS = tuple(str(k) for k in CREDIT_KINDS)


def per_village(session: Session, period: Period) -> dict[int, Counter]:
    """village id → the counts the dashboard sums (the keys of Figures.counts)."""
    start, end = period.start, period.end
    out: dict[int, Counter] = defaultdict(Counter)
    homes = {h.id: h for h in session.exec(select(Household))}
    for h in homes.values():
        out[h.village_id]["households"] += 1
    active = {(s.village_id, s.household_id) for s in session.exec(select(HouseholdSignIn))
              if period.first <= s.month <= period.last}
    for village, _ in active:
        out[village]["active"] += 1

    txns = {t.id: t for t in session.exec(select(LedgerTransaction))}
    accounts = {a.id: a for a in session.exec(select(Account))}
    for entry in session.exec(select(LedgerEntry)):
        txn, account = txns[entry.transaction_id], accounts[entry.account_id]
        original = txns.get(txn.reverses_id) if txn.reverses_id else None
        what = original if txn.kind == "reversal" and original is not None else txn
        during = start <= as_utc(txn.created_at) < end
        if account.kind == "household" and as_utc(txn.created_at) < end:
            out[account.village_id]["balances"] += entry.amount
        if account.kind == "hold" and as_utc(txn.created_at) < end:
            out[account.village_id]["held"] += entry.amount
        if not during:
            continue
        if account.kind == "household" and what.kind in CREDITS:
            out[account.village_id][f"issued:{what.kind}"] += entry.amount
            out[account.village_id][f"category:{what.category or 'other'}"] += entry.amount
            index = period.months.index(_month_of(txn.created_at, period))
            out[account.village_id][f"month:{index}"] += entry.amount
        if account.kind == "shop" and what.kind == "redemption":
            out[account.village_id]["redeemed"] += entry.amount

    first = min(period.first, shift_month(period.last, -11))
    rounds = {r.id: r for r in session.exec(select(EvaluationRound))
              if r.status == "final" and first <= r.month <= period.last}
    lists: dict[int, dict[str, set[int]]] = defaultdict(lambda: {"red": set(), "black": set()})
    for line in session.exec(select(ResultLine)):
        if line.round_id in rounds and line.list_kind in ("red", "black") and line.corrected_list:
            lists[rounds[line.round_id].village_id][line.list_kind].add(line.household_id)
    for village, kinds in lists.items():
        out[village].update({"red": len(kinds["red"]), "black": len(kinds["black"]),
                             "listed": len(kinds["red"] | kinds["black"])})

    now = utcnow()
    for order in session.exec(select(ServiceOrder)):
        counts = out[order.village_id]
        if start <= as_utc(order.created_at) < end:
            counts["orders"] += 1
            rules = catalogue.settings_for(session, village_id=order.village_id)
            counts["overdue"] += bool(overdue(order, rules, now))
        if (order.completed_at and start <= as_utc(order.completed_at) < end
                and order.status in ("completed", "rated", "confirmed")):
            counts["completed"] += 1
            counts["minutes"] += order.credited_minutes or 0
            if order.stars is not None:
                counts["rated"] += 1
                counts["stars"] += order.stars

    reads = Counter(r.disclosure_id for r in session.exec(select(DisclosureRead)))
    for d in session.exec(select(Disclosure)):
        if start <= as_utc(d.published_at) < end:
            out[d.village_id]["published"] += 1
            out[d.village_id]["reads"] += reads[d.id]
            out[d.village_id]["possible_reads"] += out[d.village_id]["households"]

    shops = {s.id: s for s in session.exec(select(Shop))}
    reversed_ids = {t.reverses_id for t in txns.values() if t.reverses_id}
    items: dict[int, int] = Counter()
    for item in session.exec(select(RedemptionItem)):
        items[item.redemption_id] += item.points
    for r in session.exec(select(Redemption)):
        if start <= as_utc(r.created_at) < end and r.transaction_id not in reversed_ids:
            village = shops[r.shop_id].village_id
            out[village]["settled"] += 1
            out[village]["settled_points"] += items[r.id]
            out[village]["settled_fen"] += items[r.id] * fen_per_point(session, village_id=village)
    for c in session.exec(select(Ceremony)):
        if start <= as_utc(c.created_at) < end:
            index = period.months.index(_month_of(c.created_at, period))
            out[c.village_id][f"ceremonies:filed:{index}"] += 1
            if c.status == "done":
                out[c.village_id][f"ceremonies:{'within' if c.within else 'over'}:{index}"] += 1
    return out


def _month_of(created_at, period: Period) -> str:
    return local(created_at).strftime("%Y-%m")


def villages_under(session: Session, unit_id: int) -> set[int]:
    units = list(session.exec(select(OrgUnit)))
    found, frontier = set(), [unit_id]
    while frontier:
        current = frontier.pop()
        for u in units:
            if u.id == current and u.kind == "village":
                found.add(u.id)
            if u.parent_id == current and u.kind != "group":
                frontier.append(u.id)
    return found


def expected(session: Session, unit_id: int, period: Period) -> dict:
    """The API's shape of the unit's figures (no children), summed the long way from its villages."""
    villages = per_village(session, period)
    c = Counter()
    for v in villages_under(session, unit_id):
        c.update(villages.get(v, Counter()))

    def rate(a: int, b: int) -> float:
        return round(a / b, 4) if b else 0.0

    return {
        "households": c["households"], "active_households": c["active"],
        "points": {"issued": sum(c[f"issued:{s}"] for s in CREDITS), "redeemed": c["redeemed"], "held": c["held"],
                   "outstanding": c["balances"] + c["held"], "balances": c["balances"],
                   "by_source": {s: c[f"issued:{s}"] for s in CREDITS},
                   "by_category": {k[9:]: v for k, v in sorted(c.items()) if k.startswith("category:") and v},
                   "monthly": [{"month": m, "issued": c[f"month:{i}"]} for i, m in enumerate(period.months)]},
        "coverage": {"red": c["red"], "black": c["black"], "households": c["listed"],
                     "rate": rate(c["listed"], c["households"])},
        "service": {"orders": c["orders"], "completed": c["completed"], "overdue": c["overdue"],
                    "hours": round(c["minutes"] / 60, 1),
                    "rating": round(c["stars"] / c["rated"], 2) if c["rated"] else None, "rated": c["rated"]},
        "disclosures": {"published": c["published"], "read_rate": rate(c["reads"], c["possible_reads"]),
                        "reads": c["reads"]},
        "settlements": {"redemptions": c["settled"], "points": c["settled_points"], "yuan_fen": c["settled_fen"]},
        "ceremonies": {what: sum(c[f"ceremonies:{what}:{i}"] for i in range(len(period.months)))
                       for what in ("filed", "within", "over")}
        | {"monthly": [{"month": m, "filed": c[f"ceremonies:filed:{i}"], "within": c[f"ceremonies:within:{i}"]}
                       for i, m in enumerate(period.months)]},
    }
