"""导出数据 (page): a unit's four exports for a period the official picks, each a download of the API's file.
Reached from the unit's 人员管理 page; the rules are app/org/access.py's (`export_unit`), as the API's."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.deps import ActorDep, SessionDep, SettingsDep
from app.errors import ValidationFailed
from app.exports.catalogue import EXPORTS
from app.htmx import render
from app.ids import Id
from app.org.access import export_unit
from app.org.models import ORG_KIND_LABELS
from app.timeutil import parse_period, shift_month, this_month

router = APIRouter()
From = Annotated[str, Query(alias="from", max_length=20)]
To = Annotated[str, Query(alias="to", max_length=20)]


@router.get("/org/units/{unit_id}/exports")
def exports_page(unit_id: Id, request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
                 first: From = "", last: To = "") -> Response:
    """The four exports of the unit for the period typed (this month when none is), or the period's problem."""
    unit = export_unit(session, actor, unit_id)
    try:
        period, error = parse_period(first or None, last or None, tz=settings.timezone), ""
    except ValidationFailed as exc:
        period, error = None, exc.message
    return render(request, "exports/unit.html", {
        "tab": "me", "unit": unit, "kind_label": ORG_KIND_LABELS.get(unit.kind, ""), "exports": EXPORTS.values(),
        "period": period, "error": error, "typed": {"from": first, "to": last},
        "choices": _choices(this_month(settings.timezone))}, status_code=422 if error else 200)


def _choices(month: str) -> list[tuple[str, str, str]]:
    """Quick periods: (label, from, to) — this month, last month, this year so far, last year."""
    year = int(month[:4])
    return [("本月", month, month), ("上月", shift_month(month, -1), shift_month(month, -1)),
            ("今年", f"{year}-01", month), ("去年", f"{year - 1}-01", f"{year - 1}-12")]
