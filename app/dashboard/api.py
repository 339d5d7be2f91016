"""Dashboards (issue #20): a county's, township's or village's figures for a period, with a row per child unit."""


from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from app.dashboard.figures import figures_dict, unit_figures
from app.dashboard.report import build_report, file_names, report_workbook
from app.deps import ActorDep, EngineDep, SessionDep, SettingsDep
from app.exports.download import XLSX, hand_out
from app.exports.models import ExportAction
from app.ids import Id
from app.org.access import dashboard_unit
from app.timeutil import parse_period

router = APIRouter(tags=["dashboards"])


@router.get("/org-units/{unit_id}/dashboard")
def dashboard(unit_id: Id, actor: ActorDep, session: SessionDep, settings: SettingsDep,
              first: str | None = Query(None, alias="from", max_length=20),
              last: str | None = Query(None, alias="to", max_length=20)) -> dict:
    """The unit's figures for the months `from`–`to` (YYYY-MM each; one of them: that month; neither: this month in
    the villages' zone), for staff of the unit or above; `children` holds each child unit's (county → townships,
    township → villages), and a parent's figures are the sum of its children's (rates recomputed from the sums).

    `points`: `issued` into households in the period (net of reversals, by door in `by_source` and by the plan's
    categories in `by_category`, per month in `monthly`), `redeemed` (handed out by the shops, net of reversed
    redemptions), `held` (set aside in open shop requests at the period's end), `balances` (the households' own
    balances then) and `outstanding` (both: not yet spent). `coverage`: households on the red list, on the black
    list and on either (`households`) in final rounds of the twelve months up to `to` (or the whole period if
    longer), `rate` against all households and the plan's `target`. `service`: orders placed in the period
    (`orders`, and `overdue` of them now), `completed` in it with their `hours` and average `rating`.
    `disclosures`: `published` in the period and the households' `read_rate` of them. `settlements`: the shops'
    monthly settlements over the period, in points and 元 (`yuan`, at each village's rate)."""
    unit = dashboard_unit(session, actor, unit_id)
    period = parse_period(first, last, tz=settings.timezone)
    return figures_dict(unit_figures(session, unit=unit, period=period, tz=settings.timezone))




REPORT_FILE = {200: {"content": {XLSX: {}}, "description": (
    "中期评估报告: a 说明 sheet (unit, period, who, when), a sheet per level (县, 乡镇, 村), then 覆盖率不足60%的村, "
    "超时最久的服务单, 未读公开")}}


@router.get("/org-units/{unit_id}/report.xlsx", response_class=StreamingResponse, responses=REPORT_FILE)
def report_xlsx(unit_id: Id, actor: ActorDep, session: SessionDep, engine: EngineDep, settings: SettingsDep,
                first: str | None = Query(None, alias="from", max_length=20),
                last: str | None = Query(None, alias="to", max_length=20)) -> StreamingResponse:
    """中期评估报告 as a workbook, for the same readers and period as the dashboard: the dashboard's figures of the
    unit and of every unit below it, a sheet per level (each village's row with its township), then the villages
    below the plan's 60 % coverage, the longest-overdue service orders of the period (village, service, placed, how
    long overdue; no villager's name) and the period's least-read disclosures."""
    unit = dashboard_unit(session, actor, unit_id)
    period = parse_period(first, last, tz=settings.timezone)
    report = build_report(session, actor=actor, unit=unit, period=period, tz=settings.timezone)
    return hand_out(report_workbook(report), names=file_names(report), action=ExportAction.report, actor=actor,
                    unit=unit, period=period, session=session, engine=engine)
