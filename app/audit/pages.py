"""Page: the village's audit log (操作日志) for its officials."""

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.audit import service
from app.audit.models import AuditEntry
from app.deps import ActorDep, HtmxDep, SessionDep
from app.errors import Forbidden
from app.htmx import render
from app.ledger.models import CATEGORY_LABELS
from app.org.models import Role
from app.org.service import village_name

router = APIRouter()
ACTION_LABELS = {
    "household.create": "登记农户", "household.update": "修改农户", "member.create": "添加成员",
    "member.update": "修改成员", "member.deactivate": "停用成员", "member.reset_password": "重置密码",
    "points.award": "发放积分", "points.reverse": "撤销积分", "points.allocate": "拨付积分预算",
}
FIELD_LABELS = {"head_name": "户主", "address": "住址", "name": "姓名", "phone": "手机号"}


@router.get("/admin/audit")
def audit_log(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep, village_id: int | None = None,
              cursor: str | None = None) -> Response:
    villages = sorted(actor.villages(Role.official))
    village_id = village_id or (villages[0] if villages else None)
    if village_id not in villages:
        raise Forbidden()
    page = service.list_village_log(session, village_id=village_id, limit=30, cursor=cursor)
    rows = [(entry, who, describe(entry)) for entry, who in page.items]
    return render(request, "audit/log.html", {
        "tab": "admin", "rows": rows, "next_cursor": page.next_cursor, "village_id": village_id,
        "village": village_name(session, village_id), "labels": ACTION_LABELS,
    }, htmx=htmx, partial="audit/_rows.html")


def describe(entry: AuditEntry) -> str:
    """The entry's detail in plain Chinese (no ids, no field names): 「+50 分 · 热心公益」, 「住址：A → B」."""
    try:
        detail = json.loads(entry.detail or "{}")
    except ValueError:
        return ""
    if not isinstance(detail, dict):
        return ""
    parts = []
    if isinstance(detail.get("points"), int):
        sign = "+" if entry.action == "points.award" else ""
        parts.append(f"{sign}{detail['points']:,} 分")
    if detail.get("category"):
        parts.append(CATEGORY_LABELS.get(detail["category"], detail["category"]))
    if detail.get("head_name"):
        parts.append(f"户主：{detail['head_name']}")
    if "members" in detail:
        parts.append(f"{detail['members']} 名成员")
    if detail.get("name") and "before" not in detail:
        parts.append(f"成员：{detail['name']}")
    before, after = detail.get("before") or {}, detail.get("after") or {}
    for key, label in FIELD_LABELS.items():
        if key in after and before.get(key) != after.get(key):
            parts.append(f"{label}：{before.get(key) or '（空）'} → {after.get(key) or '（空）'}")
    return " · ".join(parts)
