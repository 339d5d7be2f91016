"""Points: the doors other domains move points through, awards and their reversal, and reading the books.

No domain assembles ledger legs itself (app.ledger.postings is the ledger's own) nor touches an Account row: it
credits a household with `credit_household` (a source and an idempotency scope; the one credit policy of
app/ledger/policy.py); pays a shop with `pay_shop`; holds, gives back or settles a household's points with
`hold_points` / `release_hold` / `settle_hold`; undoes a credit with `reverse_credit` and any other reversible
transaction (a redemption) with `reverse`, under the policy `REVERSIBLE_BY`; counts under `lock_household_account`;
and reads a household's balance and history with `household_balance` and `household_ledger`. What another domain
lends the ledger — the words of its transactions, what its holds must come to — it registers in
app/ledger/registry.py."""

from dataclasses import dataclass

from sqlalchemy import Select
from sqlmodel import Session, col, select

from app.audit.service import record_action
from app.db import own_write_session
from app.errors import InvalidState, NotFound, ValidationFailed
from app.idempotency import answer_many, claim_many, run_idempotent
from app.ids import int_within
from app.inbox.models import MessageKind
from app.inbox.service import approvers, household_users, notify
from app.ledger import chain, policy, postings
from app.ledger.accounts import hold_account, household_account, paying_accounts, shop_account, village_fund
from app.ledger.history import describe_lines, reversals_of
from app.ledger.models import (
    CREDIT_KINDS,
    Account,
    AccountKind,
    AwardOutcome,
    AwardPublic,
    AwardRequest,
    Category,
    LedgerAction,
    LedgerEntry,
    LedgerTransaction,
    LineReversal,
    ReversalPublic,
    TxnKind,
)
from app.ledger.policy import MAX_AWARD
from app.ledger.postings import Leg, post_transaction, reverse_transaction
from app.ledger.registry import hold_keepers
from app.org.access import OFFICIALS, Actor, get_visible
from app.org.models import HOUSEHOLD_TARGET, Household, User
from app.paging import Page, page_desc
from app.text import clean_reason
from app.timeutil import utcnow

# Which transactions may be reversed, and by whom (reliability.md I5: a correction is a reversing transaction):
# - award, evaluation, service, claim, activity, ceremony: the village's officials, with a written reason, through
#   `reverse_credit` — a credit found wrong after the fact; the reversal stands on the household's history and the
#   village's books.
# - redemption: the village's officials, through `reverse` (app.shop.redemption.service.reverse_redemption, which
#   puts the goods back on the shelf in the same transaction).
# - allocation, budget, donation: nobody — a fund's record booked in error is answered by a new record (a budget
#   moved in error is moved back by an allocation; app/ledger/funds.py).
# - reversal: nobody — a reversal is final; a wrong one is followed by a new award.
# - hold, hold_release: nobody — a hold ends by its release (cancel, expiry, refusal) or its settlement (a redemption,
#   reversible as any other); the domain that holds (app.shop.requests) keeps each hold to exactly one of these ends.
REVERSIBLE_BY: dict[str, frozenset[str]] = {
    TxnKind.award: OFFICIALS, TxnKind.evaluation: OFFICIALS, TxnKind.service: OFFICIALS, TxnKind.claim: OFFICIALS,
    TxnKind.activity: OFFICIALS, TxnKind.ceremony: OFFICIALS, TxnKind.redemption: OFFICIALS,
}


@dataclass(frozen=True)
class Source:
    """What a credit comes from: a direct award (the transaction is its own source), an evaluation round, a
    service order (`id` names the round or the order)."""

    kind: TxnKind
    id: int | None = None


@dataclass(frozen=True)
class Once:
    """An idempotency scope and key: a write under the same pair applies at most once, however often or
    concurrently it is sent; later calls get the first answer (e.g. scope "evaluation:7", key "household:12")."""

    scope: str
    key: str


# --- the doors --------------------------------------------------------------------------------------------------

def clean_award(*, points: int, reason: str, category: str | None) -> tuple[int, str, str]:
    if not int_within(points, 1, MAX_AWARD):
        raise ValidationFailed(f"积分应为 1 到 {MAX_AWARD} 之间的整数")
    reason = clean_reason(reason, label="奖励理由")
    category = category or Category.other
    if category not in Category.__members__:
        raise ValidationFailed("类别无效")
    return points, reason, category


def credit_household(session: Session, *, household: Household, points: int, reason: str, category: str | None,
                     source: Source, actor_id: int | None, once: Once | None) -> AwardOutcome:
    """Credit a household from its village fund for a reason and a source; with `once`, at most once per scope
    and key. The one door any domain pays points into a household through, and its one policy (issue #15):
    within the village's limits (one credit, the household's month, app/ledger/policy.py) it posts at once; above
    them it waits (`pending`) for a second person — another official of the village or the town admin, never the
    proposer (`actor_id`) nor a member of the household (app/ledger/approvals.py). Every credit is registered as an
    AwardRequest, posted or waiting, so that the month's total counts every door. A credit proposed by a member of
    the household itself waits whatever the limits (回避): a decision taken for many households at once, such as
    finalising a round, is not refused, but its proposer's own household's share goes to a second person."""
    if source.kind not in CREDIT_KINDS:
        raise ValueError(f"{source.kind} is not a kind of credit")
    points, reason, category = clean_award(points=points, reason=reason, category=category)

    def action() -> AwardOutcome:
        # The household's account row, locked (SQLite: the writer is held already): two credits for one household
        # at once are counted against the month one after the other.
        lock_household_account(session, household_id=household.id)
        over = with_recusal(policy.over_limits(session, village_id=household.village_id, household_id=household.id,
                                               points=points),
                            proposer_household=_household_of(session, actor_id), household_id=household.id)
        request = AwardRequest(village_id=household.village_id, household_id=household.id, points=points,
                               reason=reason, category=category, status=policy.PENDING, source_kind=source.kind,
                               source_id=source.id, proposed_by_id=actor_id)
        session.add(request)
        session.flush()
        if over is not None:
            return _waiting(session, request=request, household=household, over=over, source=source,
                            actor_id=actor_id)
        posted = post_credit(session, household=household, points=points, reason=reason, category=category,
                             source=source, actor_id=actor_id)
        request.status, request.transaction_id, request.decided_at = policy.POSTED, posted.id, utcnow()
        session.add(request)
        session.flush()
        if source.kind != TxnKind.evaluation:  # a round's result is told once, with its line (定榜)
            tell_posted(session, request=request)
        return AwardOutcome(**posted.model_dump(), status=policy.POSTED, request_id=request.id)

    if once is None:
        return action()
    payload = {"household_id": household.id, "points": points, "reason": reason, "category": category,
               "source": [source.kind, source.id]}
    return run_idempotent(session, scope=once.scope, key=once.key, payload=payload, result_type=AwardOutcome,
                          action=action)


def _household_of(session: Session, user_id: int | None) -> int | None:
    return session.get(User, user_id).household_id if user_id is not None else None


def with_recusal(over: dict | None, *, proposer_household: int | None, household_id: int) -> dict | None:
    """What a credit waits for: `over` (the limits it is over, or None), and 回避 when its proposer is of the
    household it pays — such a credit always waits for a second person, whatever the limits."""
    if proposer_household == household_id:
        return {**(over or {}), "conflict_of_interest": True}
    return over


def _waiting(session: Session, *, request: AwardRequest, household: Household, over: dict, source: Source,
             actor_id: int | None) -> AwardOutcome:
    """A credit left waiting for a second person: audited with what it is over, the approvers told."""
    record_action(session, actor_id=actor_id, action=LedgerAction.points_award_pending,
                  village_id=household.village_id, target_type=HOUSEHOLD_TARGET, target_id=household.id,
                  target_label=household.head_name, reason=request.reason,
                  detail={"request_id": request.id, "points": request.points, "category": request.category,
                          "source": source.kind, "source_id": source.id, **over})
    tell_pending(session, request=request, household=household)
    return AwardOutcome(id=request.id, household_id=household.id, points=request.points, status=policy.PENDING,
                        category=request.category, reason=request.reason, request_id=request.id)


@dataclass(frozen=True)
class Credit:
    """One household's share of a decision taken for many at once (`credit_households`)."""

    household: Household
    points: int
    reason: str
    category: str | None


def credit_households(session: Session, *, village_id: int, credits: list[Credit], source: Source,
                      actor_id: int | None, scope: str) -> dict[int, AwardOutcome]:
    """`credit_household` for many households of one village at once (finalising a round), under the same policy and
    at most once per household in `scope` (the same keys and payloads `credit_household` would store, so either
    answers the other's repeat) — with what can be read once read once and what can be written together written
    together: the keys taken in one statement, the households' accounts locked in one, the limits and the month's
    totals read once, the fund once, the requests and the answers written in one each; each credit's legs still go
    through the ledger's one writer. Returns each household's outcome (a repeat: the stored one)."""
    if source.kind not in CREDIT_KINDS:
        raise ValueError(f"{source.kind} is not a kind of credit")
    if len({c.household.id for c in credits}) != len(credits) or any(c.household.village_id != village_id
                                                                       for c in credits):
        raise ValueError("one credit per household, each of the village")
    cleaned = {c.household.id: (c.household, *clean_award(points=c.points, reason=c.reason, category=c.category))
               for c in credits}
    payloads = {str(h): {"household_id": h, "points": p, "reason": r, "category": k, "source": [source.kind, source.id]}
                for h, (_, p, r, k) in cleaned.items()}
    taken, stored = claim_many(session, scope=scope, payloads=payloads, result_type=AwardOutcome)
    outcomes = {int(key): outcome for key, outcome in stored.items()}
    todo = sorted(int(key) for key in taken)
    if not todo:
        return outcomes
    # The households' accounts, locked in id order (PostgreSQL; SQLite's writer is held already), as
    # credit_household locks each: a credit of another door for one of them waits, and is counted after.
    accounts = {a.household_id: a for a in session.exec(
        select(Account).where(col(Account.household_id).in_(todo)).order_by(Account.id)
        .with_for_update().execution_options(populate_existing=True))}
    if len(accounts) != len(todo):
        raise NotFound("找不到该农户的积分账户")
    single, monthly = policy.village_limits(session, village_id=village_id)
    totals = policy.month_totals(session, household_ids=todo)
    own = _household_of(session, actor_id)
    requests: dict[int, AwardRequest] = {}
    waits: dict[int, dict] = {}
    for h in todo:
        _, points, reason, category = cleaned[h]
        over = with_recusal(policy.over(points, totals.get(h, 0) + points, single, monthly),
                            proposer_household=own, household_id=h)
        if over is not None:
            waits[h] = over
        requests[h] = AwardRequest(village_id=village_id, household_id=h, points=points, reason=reason,
                                   category=category, status=policy.PENDING, source_kind=source.kind,
                                   source_id=source.id, proposed_by_id=actor_id)
    session.add_all(requests.values())
    session.flush()  # one INSERT for them all (their ids)
    fund = village_fund(session, village_id=village_id)
    posted: dict[int, tuple[int, int]] = {}
    for h in todo:
        if h in waits:
            continue
        _, points, reason, category = cleaned[h]
        txn, balances = post_transaction(session, kind=source.kind, reason=reason, category=category,
                                         actor_id=actor_id, source_id=source.id,
                                         legs=[Leg(fund, -points), Leg(accounts[h], points)])
        posted[h] = (txn.id, balances[accounts[h].id])
    now, results = utcnow(), {}
    for h in todo:
        household, points, reason, category = cleaned[h]
        request = requests[h]
        if h in waits:
            outcomes[h] = _waiting(session, request=request, household=household, over=waits[h], source=source,
                                   actor_id=actor_id)
        else:
            request.status, request.transaction_id, request.decided_at = policy.POSTED, posted[h][0], now
            outcomes[h] = AwardOutcome(id=posted[h][0], household_id=h, points=points, balance_after=posted[h][1],
                                       category=category, reason=reason, status=policy.POSTED, request_id=request.id)
        results[str(h)] = outcomes[h]
    session.flush()  # the posted requests' status, in one UPDATE
    if source.kind != TxnKind.evaluation:  # a round's result is told once, with its line (定榜)
        for h in posted:
            tell_posted(session, request=requests[h])
    answer_many(session, taken=taken, results=results)
    return outcomes


def tell_pending(session: Session, *, request: AwardRequest, household: Household) -> None:
    """A credit waits: its approvers are told (not its proposer, nor the household's own members)."""
    members = household_users(session, household_id=household.id)
    notify(session, kind=MessageKind.award_pending, user_ids=approvers(session, village_id=household.village_id),
           skip=[request.proposed_by_id, *members], link="/evaluation/awards",
           text=f"待批准奖励：{household.head_name}家 +{request.points} 分（{request.reason[:40]}）")


def tell_posted(session: Session, *, request: AwardRequest) -> None:
    """Points reached a household: its users are told."""
    notify(session, kind=MessageKind.award, household_id=request.household_id, link="/points",
           text=f"积分到账 +{request.points} 分：{request.reason[:60]}")


def post_credit(session: Session, *, household: Household, points: int, reason: str, category: str,
                source: Source, actor_id: int | None) -> AwardPublic:
    """Write a credit's legs (village fund → household), with no policy: only for a credit the policy has let
    through (`credit_household`, an approval in app.ledger.approvals) and for the demo world's history
    (tests/test_guardrails.py keeps every other module from calling it)."""
    target = household_account(session, household_id=household.id)
    txn, balances = post_transaction(
        session, kind=source.kind, reason=reason, category=category, actor_id=actor_id, source_id=source.id,
        legs=[Leg(village_fund(session, village_id=household.village_id), -points), Leg(target, points)])
    return AwardPublic(id=txn.id, household_id=household.id, points=points, balance_after=balances[target.id],
                       category=category, reason=reason)


def pay_shop(session: Session, *, household_id: int, shop_id: int, shop_name: str, village_id: int, points: int,
             reason: str, actor_id: int | None) -> tuple[LedgerTransaction, int]:
    """Debit a household and credit a shop (a redemption); the household's balance never goes below zero (I3).
    Points held for the household that are due back (a 扫码兑换 request past its time) are given back first, so that
    they are spent like any other. Returns the transaction and the household's balance after."""
    payer, shop, held = paying_accounts(session, household_id=household_id, shop_id=shop_id, name=shop_name,
                                        village_id=village_id)
    if held:
        release_due_holds(session, household_id=household_id)
    txn, balances = post_transaction(session, kind=TxnKind.redemption, reason=reason, actor_id=actor_id,
                                     legs=[Leg(payer, -points), Leg(shop, points)])
    return txn, balances[payer.id]


# --- holds (扫码兑换: points set aside for a shop request until it is fulfilled, cancelled, refused or expires) ---

def hold_points(session: Session, *, household: Household, points: int, reason: str, actor_id: int | None
                ) -> tuple[LedgerTransaction, int]:
    """Move points from a household to its hold account: the balance it can spend drops at once. Never more than
    the balance, however many holds run at once (the household's row is updated conditionally, I3). Returns the
    transaction and the household's balance after."""
    if points <= 0:
        raise ValidationFailed("预留积分应大于 0")
    payer = household_account(session, household_id=household.id)
    hold = hold_account(session, household=household)
    txn, balances = post_transaction(session, kind=TxnKind.hold, reason=reason, actor_id=actor_id,
                                     legs=[Leg(payer, -points), Leg(hold, points)])
    return txn, balances[payer.id]


def release_hold(session: Session, *, household: Household, points: int, reason: str, actor_id: int | None,
                 hold_id: int | None = None) -> tuple[LedgerTransaction, int]:
    """Give held points back to the household (a request cancelled, expired, refused, or an item dropped).
    `hold_id`: the hold transaction they were set aside by (kept as the release's source_id), so that the history
    tells a hold and its returns as one line (app.ledger.history.household_history)."""
    if points <= 0:
        raise ValidationFailed("退回积分应大于 0")
    payee = household_account(session, household_id=household.id)
    hold = hold_account(session, household=household)
    txn, balances = post_transaction(session, kind=TxnKind.hold_release, reason=reason, actor_id=actor_id,
                                     source_id=hold_id, legs=[Leg(payee, points), Leg(hold, -points)])
    return txn, balances[payee.id]


def settle_hold(session: Session, *, household: Household, shop_id: int, shop_name: str, points: int, reason: str,
                actor_id: int | None) -> tuple[LedgerTransaction, int]:
    """Pay a shop from a household's hold (a request fulfilled at the counter): a redemption transaction, so the
    shop's settlement, its receipts and an official's reversal treat it as any other; a reversal puts the points
    back into the household's own account (app.ledger.postings). Returns it with the household's balance."""
    if points <= 0:
        raise ValidationFailed("兑换积分应大于 0")
    txn, _ = post_transaction(
        session, kind=TxnKind.redemption, reason=reason, actor_id=actor_id,
        legs=[Leg(hold_account(session, household=household), -points),
              Leg(shop_account(session, shop_id=shop_id, name=shop_name, village_id=household.village_id), points)])
    return txn, household_account(session, household_id=household.id).balance


def release_due_holds(session: Session, *, household_id: int) -> int:
    """Give back, in this transaction, the household's holds that are due back (a 扫码兑换 request past its time):
    the domains that hold say which (app/ledger/registry.py). A write path calls it before it debits the household,
    so that points due back are spent like any other. Returns how many holds ended."""
    return sum(keeper.release_due(session, household_id) for keeper in hold_keepers())


def lock_household_account(session: Session, *, household_id: int) -> None:
    """Lock the household's account row until the transaction ends (PostgreSQL; SQLite's writer is held already):
    a domain that counts something per household before it writes (open requests, a month's credits) counts the
    writes committed before it, one after the other."""
    session.refresh(household_account(session, household_id=household_id), with_for_update=True)


def require_reversible(actor: Actor, original: LedgerTransaction) -> None:
    """Refuse a reversal the policy `REVERSIBLE_BY` does not allow this actor."""
    roles = REVERSIBLE_BY.get(original.kind)
    if roles is None:
        raise InvalidState("这笔记录不能撤销")
    actor.require(original.village_id, roles)


def check_reversible(session: Session, *, actor: Actor, transaction_id: int) -> None:
    """Refuse, before anything moves, a reversal of this transaction that `REVERSIBLE_BY` does not allow the actor."""
    require_reversible(actor, session.get(LedgerTransaction, transaction_id))


def is_reversed(session: Session, *, transaction_id: int) -> bool:
    return postings.is_reversed(session, transaction_id)


def reverse(session: Session, *, transaction_id: int, reason: str, actor_id: int | None) -> LedgerTransaction:
    """Reverse a transaction another domain wrote (a redemption), once: every leg negated, a hold's leg back into
    the household's own account (I5). The caller has checked `check_reversible` and records its own audit line."""
    txn, _, _ = reverse_transaction(session, original=session.get(LedgerTransaction, transaction_id), reason=reason,
                                    actor_id=actor_id)
    return txn


def reversed_transactions() -> Select:
    """The ids of every transaction that has been reversed (a subquery: a shop's settlement leaves them out)."""
    return postings.reversed_ids()


# --- reversal of a credit ---------------------------------------------------------------------------------------

def reverse_credit(
    session: Session, *, actor: Actor, transaction_id: int, reason: str, idempotency_key: str | None
) -> ReversalPublic:
    """An official reverses a credit (an award, an evaluation or service credit) with a reason: a new transaction
    with every leg negated (I5)."""
    original = get_visible(session, actor, LedgerTransaction, transaction_id, roles=OFFICIALS,
                           missing="找不到该积分记录")
    if original.kind not in CREDIT_KINDS:
        raise InvalidState("兑换请在兑换记录中撤销" if original.kind == TxnKind.redemption else "只能撤销积分奖励")
    require_reversible(actor, original)
    reason = clean_reason(reason, label="撤销原因")

    def action() -> ReversalPublic:
        txn, legs, balances = reverse_transaction(session, original=original, reason=reason, actor_id=actor.id)
        household_leg = next(leg for leg in legs if leg.account.kind == AccountKind.household)
        household_id = household_leg.account.household_id
        record_action(session, actor_id=actor.id, action=LedgerAction.points_reverse, village_id=original.village_id,
                      target_type=HOUSEHOLD_TARGET, target_id=household_id, target_label=household_leg.account.name,
                      reason=reason, detail={"transaction_id": txn.id, "reverses_id": original.id,
                                             "points": household_leg.amount})
        return ReversalPublic(id=txn.id, reverses_id=original.id, household_id=household_id,
                              points=household_leg.amount, balance_after=balances[household_leg.account.id],
                              reason=reason)

    if idempotency_key is None:
        return action()
    return run_idempotent(session, scope=f"user:{actor.id}:reverse", key=idempotency_key,
                          payload={"transaction_id": transaction_id, "reason": reason},
                          result_type=ReversalPublic, action=action)


# --- reading ---------------------------------------------------------------------------------------------------

def household_balance(session: Session, *, household_id: int) -> int:
    """The points a household can spend, as shown to anyone. Points held for it that are due back (a 扫码兑换 request
    past its time) are given back first — in this session's transaction when it writes, else in a short write
    transaction of its own — so that the balance shown includes them and no route has to remember to."""
    if any(keeper.due(session, household_id) for keeper in hold_keepers()):
        own = own_write_session(session)
        if own is None:
            release_due_holds(session, household_id=household_id)
        else:
            with own:
                release_due_holds(own, household_id=household_id)
                balance = household_account(own, household_id=household_id).balance
                own.commit()
            return balance
    return household_account(session, household_id=household_id).balance


def transaction_reversals(session: Session, *, transaction_ids: list[int]) -> dict[int, LineReversal]:
    """transaction id → who reversed it, when and why (for the transactions among these that were reversed)."""
    return reversals_of(session, transaction_ids)


def household_ledger(session: Session, *, household: Household, limit: int | None, cursor: str | None) -> Page:
    """The household's entries, newest first, each in words (what was bought, what a reversal undid and why), with
    who made it and whether it was reversed (app.ledger.history: a few queries per page, however long)."""
    account = household_account(session, household_id=household.id)
    stmt = (
        select(LedgerEntry, LedgerTransaction, User.name)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(User, User.id == LedgerTransaction.actor_id, isouter=True)
        .where(LedgerEntry.account_id == account.id)
    )
    page = page_desc(session, stmt, LedgerEntry.id, limit=limit, cursor=cursor)
    page.items = describe_lines(session, [tuple(row) for row in page.items])
    return page


def receipt_checks(session: Session, *, transaction_ids: list[int]) -> dict[int, str]:
    """transaction id → the public /verify address of the leg that paid it (a redemption's receipt carries it: the
    page checks that line against its month's posted root, issue #21 item 5); none before the transaction commits."""
    return chain.debit_verify_urls(session, transaction_ids)
