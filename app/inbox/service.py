"""Messages: written by `notify` from the services where things happen (inside their transaction), read by their
one reader. A message names no one beyond what its reader's job needs (PIPL): texts are made by the caller, who
masks a household's name through app/org/service.mask_name when the reader is not an official."""

from collections.abc import Iterable

from sqlalchemy import update
from sqlmodel import Session, col, func, or_, select

from app.errors import NotFound
from app.inbox import push
from app.inbox.models import Message
from app.org.models import OrgUnit, Role, RoleAssignment, User
from app.timeutil import utcnow

MAX_TEXT = 200


def household_users(session: Session, *, household_id: int) -> list[int]:
    """The active users of a household who can sign in (a member without a phone reads nothing here)."""
    return households_users(session, household_ids=[household_id]).get(household_id, [])


def households_users(session: Session, *, household_ids: Iterable[int]) -> dict[int, list[int]]:
    """household_users for many households in one query."""
    rows = session.exec(select(User.household_id, User.id).where(col(User.household_id).in_(sorted(household_ids)),
                                                                 col(User.active), col(User.phone).is_not(None)))
    found: dict[int, list[int]] = {}
    for household_id, user_id in rows:
        found.setdefault(household_id, []).append(user_id)
    return found


def approvers(session: Session, *, village_id: int) -> list[int]:
    """Who may approve a village's waiting credit: its officials and the town admins over it."""
    village = session.get(OrgUnit, village_id)
    held = [(RoleAssignment.role == Role.official) & (RoleAssignment.org_id == village_id)]
    if village is not None and village.parent_id is not None:
        held.append((RoleAssignment.role == Role.town_admin) & (RoleAssignment.org_id == village.parent_id))
    return sorted(set(session.exec(select(RoleAssignment.user_id).where(or_(*held)))))


def notify(session: Session, *, kind: str, text: str, link: str = "", user_ids: Iterable[int | None] = (),
           household_id: int | None = None, skip: Iterable[int | None] = (), flush: bool = True) -> int:
    """One message to each of `user_ids` and the users of `household_id` (each once), except those in `skip` (the
    one who did it needs no telling). Added to the caller's transaction; returns how many were written."""
    readers = {u for u in user_ids if u is not None}
    if household_id is not None:
        readers |= set(household_users(session, household_id=household_id))
    readers -= {u for u in skip if u is not None}
    line = text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"
    for user_id in sorted(readers):
        session.add(Message(user_id=user_id, kind=kind, text=line, link=link))
    if flush:
        session.flush()
    push.queue(session, user_ids=readers, text=line, link=link)  # after the commit, where pushes are on
    return len(readers)


def notify_households(session: Session, *, kind: str, texts: dict[int, str], link: str = "") -> int:
    """Each household's users their own line (定榜: one line a household), in one read of who they are."""
    users = households_users(session, household_ids=texts)
    written = 0
    for household_id, text in sorted(texts.items()):
        written += notify(session, kind=kind, text=text, link=link, user_ids=users.get(household_id, []),
                          flush=False)
    session.flush()
    return written


def list_messages(session: Session, *, user_id: int, limit: int = 50, unread: bool = False) -> list[Message]:
    """The reader's messages (only the unread ones), newest first."""
    stmt = select(Message).where(Message.user_id == user_id)
    if unread:
        stmt = stmt.where(col(Message.read_at).is_(None))
    return list(session.exec(stmt.order_by(col(Message.id).desc()).limit(limit)))


def unread_count(session: Session, *, user_id: int) -> int:
    return session.exec(select(func.count()).select_from(Message)
                        .where(Message.user_id == user_id, col(Message.read_at).is_(None))).one()


def own_message(session: Session, *, user_id: int, message_id: int) -> Message:
    """One of the reader's messages; anyone else's is not there (404)."""
    message = session.get(Message, message_id)
    if message is None or message.user_id != user_id:
        raise NotFound("找不到该消息")
    return message


def mark_read(session: Session, *, user_id: int, message_ids: Iterable[int] | None = None) -> int:
    """Mark the reader's unread messages read (those named, or all of them); returns how many."""
    stmt = update(Message).where(col(Message.user_id) == user_id, col(Message.read_at).is_(None))
    if message_ids is not None:
        stmt = stmt.where(col(Message.id).in_(list(message_ids)))
    done = session.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    session.flush()
    return done
