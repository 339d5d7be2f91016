"""A village's audit log (JSON)."""

from fastapi import APIRouter

from app.audit import service
from app.deps import ActorDep, SessionDep
from app.ids import Id
from app.org.access import VILLAGE_STAFF

router = APIRouter(tags=["audit"])


@router.get("/villages/{village_id}/audit")
def village_audit(village_id: Id, actor: ActorDep, session: SessionDep, limit: int | None = None,
                  cursor: str | None = None) -> dict:
    actor.require(village_id, VILLAGE_STAFF)
    page = service.list_village_log(session, village_id=village_id, limit=limit, cursor=cursor)
    items = []
    for entry, name in page.items:
        words = service.in_words(entry)
        items.append({"id": entry.id, "actor": name, "action": entry.action, "action_label": words.action,
                      "target_type": entry.target_type, "target_id": entry.target_id,
                      "target_label": entry.target_label, "summary": words.detail, "reason": entry.reason,
                      "detail": entry.detail, "created_at": entry.created_at})
    return {"items": items, "next_cursor": page.next_cursor}
