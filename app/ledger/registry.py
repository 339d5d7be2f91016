"""What other domains lend the ledger, so that the ledger never reads their tables: the words their transactions
are told in on a household's history, and — for a domain that holds a household's points (扫码兑换) — what those
holds must come to (check-ledger) and which are due back. A domain registers them when its service module is
imported; app/domains.py imports every such module (app.main, app.__main__ and the tests import it)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

# transaction ids of one kind → the words to add to each one's reason (e.g. " · 大米 ×1", "（待核销）")
Describer = Callable[[Session, list[int]], dict[int, str]]
_DESCRIBERS: dict[str, list[Describer]] = {}


@dataclass(frozen=True)
class HoldKeeper:
    """A domain that sets a household's points aside in its hold account (app.ledger.service.hold_points)."""

    what: str  # in check-ledger's words: "open shop requests"
    held: Callable[[Session], dict[int, int]]  # household id → the points its holds must come to now
    due: Callable[[Session, int], int]  # the points held for a household that are due back now (a read)
    release_due: Callable[[Session, int], int]  # gives them back, in the caller's transaction; how many holds ended


_KEEPERS: list[HoldKeeper] = []


@dataclass(frozen=True)
class HoldStory:
    """A hold as the household's history tells it, in the holding domain's words (app.ledger.history.Purchase)."""

    state: str  # "open" (still held), "done" (paid: the goods handed over) or "returned" (every point back)
    label: str  # 兑换中 · 已兑换 · 已取消 · 已过期 · 被拒绝
    what: str  # "振风超市 · 大米 5kg ×1、鸡蛋 ×2": the goods it came to (those handed over, once done)
    note: str = ""  # "缺货未兑换：鸡蛋 ×2", "店员说明：今天停电"
    closed_at: datetime | None = None  # when it was paid or closed


# hold transaction ids → their stories (only those the domain knows)
HoldTeller = Callable[[Session, list[int]], dict[int, HoldStory]]
_TELLERS: list[HoldTeller] = []


def register_describer(kind: str, describe: Describer) -> Describer:
    """Word the transactions of `kind` on a household's history (registered once per function)."""
    if describe not in _DESCRIBERS.setdefault(kind, []):
        _DESCRIBERS[kind].append(describe)
    return describe


def register_hold_keeper(keeper: HoldKeeper) -> HoldKeeper:
    if keeper.what not in {k.what for k in _KEEPERS}:
        _KEEPERS.append(keeper)
    return keeper


def register_hold_teller(tell: HoldTeller) -> HoldTeller:
    """Tell holds as one line each on the household's history (registered once per function)."""
    if tell not in _TELLERS:
        _TELLERS.append(tell)
    return tell


def hold_stories(session: Session, hold_ids: list[int]) -> dict[int, HoldStory]:
    """The stories of these hold transactions, from the domains that hold (nothing for a hold no domain knows)."""
    stories: dict[int, HoldStory] = {}
    for tell in _TELLERS if hold_ids else []:
        stories |= tell(session, hold_ids)
    return stories


def words_for(session: Session, kind: str, transaction_ids: list[int]) -> dict[int, str]:
    """The registered words for these transactions of one kind (nothing when no domain words them)."""
    words: dict[int, str] = {}
    for describe in _DESCRIBERS.get(kind, []) if transaction_ids else []:
        for txn_id, extra in describe(session, transaction_ids).items():
            words[txn_id] = words.get(txn_id, "") + extra
    return words


def hold_keepers() -> tuple[HoldKeeper, ...]:
    return tuple(_KEEPERS)


# --- where a village's monthly ledger root is posted (issue #21 item 5) ------------------------------------------

@dataclass(frozen=True)
class PostedRoot:
    """A village's month, closed: what its 财务 disclosure says (app.ledger.chain posts it, a domain publishes it)."""

    village_id: int
    month: str  # "2026-11"
    count: int
    first_seq: int
    last_seq: int
    root: str
    chain: str


# the root → the id of the disclosure that published it, in the caller's transaction
RootPublisher = Callable[[Session, PostedRoot], int]
_PUBLISHERS: list[RootPublisher] = []


def register_root_publisher(publish: RootPublisher) -> RootPublisher:
    """Publish each village's monthly ledger root (one publisher: the disclosure domain's 财务 公开)."""
    if publish not in _PUBLISHERS:
        _PUBLISHERS.append(publish)
    return publish


def publish_root(session: Session, root: PostedRoot) -> int | None:
    """The disclosure that publishes `root`, or None where no domain publishes roots."""
    return _PUBLISHERS[0](session, root) if _PUBLISHERS else None
