"""Writing and reading the audit log."""

import json

from sqlmodel import Session, select

from app.audit.models import AuditEntry
from app.org.models import User
from app.paging import Page, page_desc


def record_action(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    village_id: int | None,
    target_type: str,
    target_id: int | None,
    reason: str = "",
    detail: dict | None = None,
) -> AuditEntry:
    """Append one line to the audit log, in the caller's transaction."""
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        village_id=village_id,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
    )
    session.add(entry)
    return entry


def list_village_log(session: Session, *, village_id: int, limit: int | None, cursor: str | None) -> Page:
    """A village's audit lines, newest first, each as (entry, actor name)."""
    stmt = (
        select(AuditEntry, User.name)
        .join(User, User.id == AuditEntry.actor_id, isouter=True)
        .where(AuditEntry.village_id == village_id)
    )
    return page_desc(session, stmt, AuditEntry.id, limit=limit, cursor=cursor)
