"""Page: the village's audit log (操作日志) for its officials, and for the town and county admins over it (who
switch between their villages)."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.audit import service
from app.deps import ActorDep, HtmxDep, SessionDep
from app.htmx import render
from app.ids import Id
from app.org.access import VILLAGE_STAFF
from app.org.switch import switch_village

router = APIRouter()


@router.get("/admin/audit")
def audit_log(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep, village_id: Id | None = None,
              cursor: str | None = None) -> Response:
    switch = switch_village(session, actor, village_id, VILLAGE_STAFF, refuse="操作日志只对村干部和乡镇、县管理员开放")
    page = service.list_village_log(session, village_id=switch.village_id, limit=30, cursor=cursor)
    rows = [(entry, who, service.in_words(entry)) for entry, who in page.items]
    return render(request, "audit/log.html", {
        "tab": "admin", "rows": rows, "next_cursor": page.next_cursor, "village_id": switch.village_id,
        "village": switch.name, "switch": switch}, htmx=htmx, partial="audit/_rows.html")
