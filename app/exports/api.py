"""Exports of a unit for a period (JSON API, files): households, ledger entries, evaluation results, volunteer hours
as .xlsx workbooks, streamed. Staff of the unit or above; `from`/`to` are months (YYYY-MM), both optional (this
month), a bad, reversed or over-long period is 422."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine
from sqlmodel import Session

from app.deps import ActorDep, EngineDep, SessionDep, SettingsDep
from app.exports import service
from app.exports.catalogue import EXPORTS
from app.exports.download import XLSX, hand_out
from app.ids import Id
from app.org.access import Actor, export_unit
from app.timeutil import parse_period

router = APIRouter(tags=["exports"])
From = Annotated[str | None, Query(alias="from", max_length=20, description="first month, YYYY-MM")]
To = Annotated[str | None, Query(alias="to", max_length=20, description="last month, YYYY-MM (inclusive)")]
FILE = {200: {"content": {XLSX: {}}, "description": "the workbook: a 说明 sheet (unit, period, who, when), then "
                                                      "the rows"}}


def stream_export(slug: str, *, unit_id: int, first: str | None, last: str | None, actor: Actor, session: Session,
                  engine: Engine, tz: str) -> StreamingResponse:
    """Check who and when, build the file, record it in the audit log (a short write of its own: the long read
    holds no writer), then stream it."""
    unit = export_unit(session, actor, unit_id)
    period = parse_period(first, last, tz=tz)
    export = EXPORTS[slug]
    made = service.build_export(session, actor=actor, unit=unit, export=export, period=period, tz=tz)
    return hand_out(made, names=service.file_names(unit, export, period), action=export.action, actor=actor,
                    unit=unit, period=period, session=session, engine=engine)


@router.get("/org-units/{unit_id}/exports/households.xlsx", response_class=StreamingResponse, responses=FILE)
def households_xlsx(unit_id: Id, actor: ActorDep, session: SessionDep, engine: EngineDep, settings: SettingsDep,
                      first: From = None, last: To = None) -> StreamingResponse:
    """农户积分表: each household with its village, 村民小组, head, members, balance at the period's start and end,
    and the points it earned and spent in the period."""
    return stream_export("households", unit_id=unit_id, first=first, last=last, actor=actor, session=session,
                         engine=engine, tz=settings.timezone)


@router.get("/org-units/{unit_id}/exports/ledger.xlsx", response_class=StreamingResponse, responses=FILE)
def ledger_xlsx(unit_id: Id, actor: ActorDep, session: SessionDep, engine: EngineDep, settings: SettingsDep,
                  first: From = None, last: To = None) -> StreamingResponse:
    """积分明细: every entry of the households' accounts in the period — time, village, household, transaction,
    kind and source, category, points, balance after, reason, who."""
    return stream_export("ledger", unit_id=unit_id, first=first, last=last, actor=actor, session=session,
                         engine=engine, tz=settings.timezone)


@router.get("/org-units/{unit_id}/exports/evaluations.xlsx", response_class=StreamingResponse, responses=FILE)
def evaluations_xlsx(unit_id: Id, actor: ActorDep, session: SessionDep, engine: EngineDep, settings: SettingsDep,
                       first: From = None, last: To = None) -> StreamingResponse:
    """评比结果: each line of the rounds finalised for the period's months — village, month, household, item, score,
    red or black list."""
    return stream_export("evaluations", unit_id=unit_id, first=first, last=last, actor=actor, session=session,
                         engine=engine, tz=settings.timezone)


@router.get("/org-units/{unit_id}/exports/volunteer-hours.xlsx", response_class=StreamingResponse, responses=FILE)
def volunteer_hours_xlsx(unit_id: Id, actor: ActorDep, session: SessionDep, engine: EngineDep,
                           settings: SettingsDep, first: From = None, last: To = None) -> StreamingResponse:
    """志愿服务时长: per volunteer and village, the confirmed orders done in the period, hours, points received and
    the average rating."""
    return stream_export("volunteer-hours", unit_id=unit_id, first=first, last=last, actor=actor,
                         session=session, engine=engine, tz=settings.timezone)
