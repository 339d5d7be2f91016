"""Page: the village's audit log (操作日志) for its officials."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.audit import service
from app.deps import ActorDep, HtmxDep, SessionDep
from app.errors import Forbidden
from app.htmx import render
from app.ids import Id
from app.org.access import OFFICIALS, village_for
from app.org.service import village_name

router = APIRouter()


@router.get("/admin/audit")
def audit_log(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep, village_id: Id | None = None,
              cursor: str | None = None) -> Response:
    village_id = village_for(actor, village_id, OFFICIALS, refuse=Forbidden.message)
    page = service.list_village_log(session, village_id=village_id, limit=30, cursor=cursor)
    rows = [(entry, who, service.in_words(entry)) for entry, who in page.items]
    return render(request, "audit/log.html", {
        "tab": "admin", "rows": rows, "next_cursor": page.next_cursor, "village_id": village_id,
        "village": village_name(session, village_id)}, htmx=htmx, partial="audit/_rows.html")
