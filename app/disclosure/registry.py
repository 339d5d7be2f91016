"""What other domains lend the 村务公开 domain, so that it never reads their tables: a domain whose record rides on
a 四议两公开 decision (a 村规民约 amendment, app/compact) follows the decision's steps as they are recorded, in the
same transaction, and may say where the decision's record is read; a domain that owns a disclosure's text (the
村规民约: it changes only by a passed amendment) refuses a direct revision. A domain registers them when its service
module is imported; app/domains.py imports every such module."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session


@dataclass(frozen=True)
class DecisionFollower:
    """A domain that rides on decisions: `on_step(session, decision, step, actor)` after each step is written (it
    may write too: it runs in the caller's transaction); `link(session, decision_id)` → (words, address) of its own
    record of that decision, or None."""

    name: str
    on_step: Callable[..., None]
    link: Callable[[Session, int], tuple[str, str] | None]


_FOLLOWERS: dict[str, DecisionFollower] = {}
# (session, disclosure) → why it may not be revised directly, or None
RevisionGuard = Callable[[Session, object], str | None]
_GUARDS: dict[str, RevisionGuard] = {}


def register_decision_follower(follower: DecisionFollower) -> DecisionFollower:
    _FOLLOWERS[follower.name] = follower
    return follower


def register_revision_guard(name: str, guard: RevisionGuard) -> RevisionGuard:
    _GUARDS[name] = guard
    return guard


def decision_followers() -> list[DecisionFollower]:
    return list(_FOLLOWERS.values())


def decision_link(session: Session, decision_id: int) -> tuple[str, str] | None:
    """Where a decision's own record is read (a 村规民约 amendment's page), if a domain keeps one."""
    for follower in _FOLLOWERS.values():
        found = follower.link(session, decision_id)
        if found is not None:
            return found
    return None


def revision_refused(session: Session, disclosure: object) -> str | None:
    """Why this disclosure may not be revised by hand (its text changes only through its owner's steps), or None."""
    for guard in _GUARDS.values():
        message = guard(session, disclosure)
        if message:
            return message
    return None
