"""Page: the village's audit log (操作日志) for its officials."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.audit import service
from app.deps import ActorDep, HtmxDep, SessionDep
from app.errors import Forbidden
from app.htmx import render
from app.org.models import Role
from app.org.service import village_name

router = APIRouter()
ACTION_LABELS = {
    "household.create": "登记农户", "household.update": "修改农户", "member.create": "添加成员",
    "member.update": "修改成员", "member.deactivate": "停用成员", "member.reset_password": "重置密码",
    "points.award": "发放积分", "points.reverse": "撤销积分", "points.allocate": "拨付积分预算",
}


@router.get("/admin/audit")
def audit_log(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep, village_id: int | None = None,
              cursor: str | None = None) -> Response:
    villages = sorted(actor.villages(Role.official))
    village_id = village_id or (villages[0] if villages else None)
    if village_id not in villages:
        raise Forbidden()
    page = service.list_village_log(session, village_id=village_id, limit=30, cursor=cursor)
    return render(request, "audit/log.html", {
        "tab": "admin", "rows": page.items, "next_cursor": page.next_cursor, "village_id": village_id,
        "village": village_name(session, village_id), "labels": ACTION_LABELS,
    }, htmx=htmx, partial="audit/_rows.html")
