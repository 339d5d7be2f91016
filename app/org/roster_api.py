"""花名册 (JSON and files): the template, the import (with a dry run) and the export of a village's households."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from app.deps import ActorDep, SessionDep
from app.ids import Id
from app.org import roster
from app.org.access import roster_village
from app.org.service import village_name

router = APIRouter(tags=["households"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RowErrorPublic(BaseModel):
    row: int
    column: str
    message: str


class RosterResult(BaseModel):
    households: int
    members: int
    errors: list[RowErrorPublic]


def xlsx_response(data: bytes, *, filename: str, ascii_name: str) -> Response:
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


def roster_result(plan: roster.RosterPlan) -> RosterResult:
    return RosterResult(households=len(plan.households), members=plan.members,
                        errors=[RowErrorPublic(row=e.row, column=e.column, message=e.message) for e in plan.errors])


@router.get("/households/import-template.xlsx", response_class=Response)
def import_template(actor: ActorDep) -> Response:
    """The roster template: 户主姓名, 村民小组, 住址, 成员姓名, 手机号, 与户主关系 (one row a member) and a 说明
    sheet."""
    return xlsx_response(roster.template_workbook(), filename="花名册模板.xlsx", ascii_name="roster-template.xlsx")


@router.post("/villages/{village_id}/households/import", status_code=201, response_model=RosterResult,
             responses={200: {"model": RosterResult, "description": "dry_run: what would be imported, and every "
                              "problem"},
                        422: {"description": "`validation_error` with `errors`: nothing was written"}})
def import_households(village_id: Id, file: Annotated[UploadFile, File()], actor: ActorDep, session: SessionDep,
                      dry_run: bool = False) -> Response | RosterResult:
    """All or nothing: with any bad row, 422 and the rows' `errors`; nothing is written. `?dry_run=true` only
    checks (200)."""
    village_id = roster_village(actor, village_id)
    rows = roster.read_roster(file.file.read(roster.MAX_BYTES + 1))  # before the first query: nothing waits on it
    plan = roster.import_roster(session, actor=actor, village_id=village_id, rows=rows,
                                filename=file.filename or "", dry_run=dry_run)
    result = roster_result(plan)
    if plan.errors and not dry_run:
        message = f"花名册有 {len(plan.errors)} 处问题，一户也没有导入：请改好后再导入"
        return JSONResponse({"error": {"code": "validation_error", "message": message},
                             **result.model_dump()}, status_code=422)
    if dry_run:
        return JSONResponse(result.model_dump(), status_code=200)
    session.commit()
    return result


@router.get("/villages/{village_id}/households.xlsx", response_class=Response)
def export_households(village_id: Id, actor: ActorDep, session: SessionDep) -> Response:
    """The village's roster in the template's columns, with each household's 积分余额."""
    village_id = roster_village(actor, village_id)
    data = roster.roster_workbook(session, village_id=village_id)
    return xlsx_response(data, filename=f"{village_name(session, village_id)}花名册.xlsx",
                         ascii_name=f"roster-{village_id}.xlsx")
