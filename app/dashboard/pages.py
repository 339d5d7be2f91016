"""统计看板 (issue #20): a unit's figures for a period with small server-drawn charts, the same figures as a table,
and each child unit's row linking to its own dashboard (county → township → village)."""

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.dashboard import charts
from app.dashboard.figures import SOURCES, Figures, coverage_window, unit_figures
from app.dashboard.report import LOW_COVERAGE, OVERDUE, UNREAD, build_report
from app.deps import ActorDep, SessionDep, SettingsDep
from app.errors import ValidationFailed
from app.evaluation.boards import COVERAGE_TARGET
from app.htmx import render
from app.ids import Id
from app.ledger.models import CATEGORY_LABELS, SOURCE_LABELS, Category
from app.org.access import DASHBOARD_READERS, Actor, covers_unit, dashboard_unit, home_dashboard_unit
from app.org.models import ORG_KIND_LABELS, OrgUnit
from app.timeutil import parse_period, shift_month, this_month

router = APIRouter()


@router.get("/dashboard")
def my_dashboard(actor: ActorDep, session: SessionDep) -> Response:
    """统计看板: the county admin's county, the town admin's township, the official's village."""
    return RedirectResponse(f"/org-units/{home_dashboard_unit(session, actor).id}/dashboard", status_code=303)


@router.get("/org-units/{unit_id}/dashboard")
def dashboard(unit_id: Id, request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
              first: str | None = Query(None, alias="from", max_length=20),
              last: str | None = Query(None, alias="to", max_length=20)) -> Response:
    unit = dashboard_unit(session, actor, unit_id)
    error, status = "", 200
    try:
        period = parse_period(first, last, tz=settings.timezone)
    except ValidationFailed as exc:  # shown above the picker, with this month's figures below it
        error, status, period = exc.message, 422, parse_period(None, None, tz=settings.timezone)
    figures = unit_figures(session, unit=unit, period=period, tz=settings.timezone)
    context = {"tab": "home", "unit": unit, "f": figures, "error": error,
               "typed": {"from": first or period.first, "to": last or period.last},
               "parent": _readable_parent(session, actor, unit), "kind_labels": ORG_KIND_LABELS,
               "quick": _quick_periods(this_month(settings.timezone)),
               "query": f"from={period.first}&to={period.last}", "charts": _charts(figures),
               "window": [_month_words(m) for m in coverage_window(period)], "target": COVERAGE_TARGET,
               "source_labels": SOURCE_LABELS}
    return render(request, "dashboard/unit.html", context, status_code=status)


@router.get("/org-units/{unit_id}/report")
def report_page(unit_id: Id, request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
                first: str | None = Query(None, alias="from", max_length=20),
                last: str | None = Query(None, alias="to", max_length=20)) -> Response:
    """中期评估报告, printable on A4: the same sections as report.xlsx, with the date and who produced it."""
    unit = dashboard_unit(session, actor, unit_id)
    period = parse_period(first, last, tz=settings.timezone)  # a bad one: 422, the error page says why
    report = build_report(session, actor=actor, unit=unit, period=period, tz=settings.timezone)
    return render(request, "dashboard/report.html", {
        "tab": "home", "r": report, "kind_labels": ORG_KIND_LABELS, "source_labels": SOURCE_LABELS,
        "query": f"from={period.first}&to={period.last}", "target": COVERAGE_TARGET,
        "window": [_month_words(m) for m in report.window],
        "titles": {"low": LOW_COVERAGE, "late": OVERDUE, "unread": UNREAD}})


def _readable_parent(session: Session, actor: Actor, unit: OrgUnit) -> OrgUnit | None:
    """The unit above, when the actor may read its dashboard too (the parent's row beside, and the way back up)."""
    parent = session.get(OrgUnit, unit.parent_id) if unit.parent_id is not None else None
    return parent if parent is not None and covers_unit(session, actor, parent, DASHBOARD_READERS) else None


def _month_words(month: str) -> str:
    return f"{int(month[:4])}年{int(month[5:7])}月"


def _quick_periods(now: str) -> list[tuple[str, str, str]]:
    """(label, from, to): this month, last month, this quarter, this year, the last twelve months."""
    quarter = f"{now[:5]}{(int(now[5:7]) - 1) // 3 * 3 + 1:02d}"
    return [("本月", now, now), ("上月", shift_month(now, -1), shift_month(now, -1)), ("本季度", quarter, now),
            ("今年", f"{now[:4]}-01", now), ("近12个月", shift_month(now, -11), now)]


def _charts(f: Figures) -> dict:
    categories = [c for c in Category if c != Category.other] + [Category.other]
    by_category = f.by_category
    chart = {
        "sources": charts.bar_chart("各来源发放积分", [(SOURCE_LABELS[s], f.by_source[s]) for s in SOURCES]),
        "categories": charts.bar_chart("六类评比积分（按类别）", [
            (CATEGORY_LABELS[c], by_category.get(c, 0)) for c in categories
            if c != Category.other or by_category.get(c)]),
        "monthly": charts.line_chart("每月发放积分", [(m[2:].replace("-", "/"), v) for m, v in f.monthly]),
    }
    rows = f.children or [f]
    chart["coverage"] = charts.rate_chart("红黑榜覆盖率", [(r.name, r.coverage_rate) for r in rows],
                                          target=COVERAGE_TARGET / 100)
    return chart
