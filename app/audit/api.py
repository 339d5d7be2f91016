"""A village's audit log (JSON)."""

from fastapi import APIRouter

from app.audit import service
from app.deps import ActorDep, SessionDep
from app.org.models import Role

router = APIRouter(tags=["audit"])


@router.get("/villages/{village_id}/audit")
def village_audit(village_id: int, actor: ActorDep, session: SessionDep, limit: int | None = None,
                  cursor: str | None = None) -> dict:
    actor.require(village_id, Role.official, Role.town_admin, Role.county_admin)
    page = service.list_village_log(session, village_id=village_id, limit=limit, cursor=cursor)
    items = [{"id": e.id, "actor": name, "action": e.action, "target_type": e.target_type, "target_id": e.target_id,
              "reason": e.reason, "detail": e.detail, "created_at": e.created_at} for e, name in page.items]
    return {"items": items, "next_cursor": page.next_cursor}
