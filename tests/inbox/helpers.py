"""Reading the messages a test's actions wrote: who got which kind, after a mark."""

from sqlmodel import col, func, select

from app.db import session_for
from app.inbox.models import Message
from app.org.models import Household, User


def mark(engine) -> int:
    """The newest message's id now (the messages after it are the test's own)."""
    with session_for(engine, write=False) as s:
        return s.exec(select(func.coalesce(func.max(Message.id), 0))).one()


def since(engine, after: int) -> list[Message]:
    with session_for(engine, write=False) as s:
        return list(s.exec(select(Message).where(col(Message.id) > after).order_by(Message.id)))


def user_id(engine, phone: str) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(User.id).where(User.phone == phone)).one()


def members(engine, head_name: str) -> set[int]:
    """The active users (with a phone to sign in with) of the household whose head is `head_name`."""
    with session_for(engine, write=False) as s:
        household = s.exec(select(Household.id).where(Household.head_name == head_name)).one()
        return set(s.exec(select(User.id).where(User.household_id == household, col(User.active),
                                                col(User.phone).is_not(None))))


def readers(messages: list[Message], kind: str | None = None) -> list[int]:
    """Who got the messages (of `kind`), one entry a message: a repeat shows as a repeat."""
    return sorted(m.user_id for m in messages if kind is None or m.kind == kind)
