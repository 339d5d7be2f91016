"""评比 pages — 评分表: a committee member scores one household's criteria at once (grouped by the plan's
categories, a photo per row), saves them with one 保存, then goes on to the next household."""

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.deps import ActorDep, HtmxDep, SessionDep
from app.errors import DomainError
from app.evaluation import grid, service
from app.evaluation.models import LIST_LABELS
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id, in_range
from app.images import process_photo
from app.org.service import village_name

router = APIRouter(prefix="/evaluation")
MAX_UPLOAD = 5 * 1024 * 1024 + 1
_ROW_FIELD = re.compile(r"row-(\d{1,18})")


class GridForm:
    """The 评分表 as posted: a row per `row-<criterion id>` marker, with `points-<id>` (absent: an unticked box, no
    score), `reason-<id>` and `photo-<id>`; the form key. Read before the database is touched: each photo is checked
    and re-encoded here, outside the writer."""

    def __init__(self, entries: list[grid.GridEntry], form_key: str) -> None:
        self.entries, self.form_key = entries, form_key


async def grid_form(request: Request) -> GridForm:
    form = await request.form()
    entries = []
    for name in form:  # a form has at most 1000 fields (Starlette); the service refuses too many rows
        match = _ROW_FIELD.fullmatch(name)
        if not match or not in_range(int(match.group(1))) or len(entries) > grid.MAX_ROWS:
            continue
        cid = int(match.group(1))
        typed = _text(form.get(f"points-{cid}")).strip()
        entry = grid.GridEntry(cid, form_int(typed) if typed else None, _text(form.get(f"reason-{cid}")), typed=typed)
        upload = form.get(f"photo-{cid}")
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(MAX_UPLOAD)
            try:
                entry.photo = await run_in_threadpool(process_photo, data)  # off the event loop
            except DomainError as exc:
                entry.photo_error = exc.message
        entries.append(entry)
    return GridForm(entries, _text(form.get("form_key")))


def _text(value) -> str:
    return value[:1000] if isinstance(value, str) else ""


GridFormDep = Annotated[GridForm, Depends(grid_form)]


@router.get("/rounds/{round_id}/households/{household_id}/score")
def score_grid(round_id: Id, household_id: Id, request: Request, actor: ActorDep, session: SessionDep,
               done: str = "") -> Response:
    evaluation = service.visible_round(session, actor, round_id)
    sheet = grid.household_grid(session, actor=actor, evaluation=evaluation, household_id=household_id)
    return _page(request, session, evaluation, sheet, done="已保存这一户的评分" if done == "score" else "")


@router.post("/rounds/{round_id}/households/{household_id}/score")
def save_grid(round_id: Id, household_id: Id, request: Request, actor: ActorDep, session: SessionDep,
              htmx: HtmxDep, form: GridFormDep) -> Response:
    evaluation = service.visible_round(session, actor, round_id)
    try:
        grid.save_household_grid(session, actor=actor, evaluation=evaluation, household_id=household_id,
                                 entries=form.entries, idempotency_key=form.form_key or None)
    except grid.GridRefused as refused:  # the table again, as typed, each refusal beside its row
        session.rollback()
        sheet = grid.household_grid(session, actor=actor, evaluation=evaluation, household_id=household_id,
                                    entries=form.entries, errors=refused.errors)
        return _page(request, session, evaluation, sheet, error=refused.message, status_code=422)
    session.commit()
    return redirect_after_post(f"/evaluation/rounds/{round_id}/households/{household_id}/score?done=score",
                               htmx=htmx)


def _page(request: Request, session, evaluation, sheet: grid.Grid, *, done: str = "", error: str = "",
          status_code: int = 200) -> Response:
    ids = [h.id for h in sheet.others]
    at = ids.index(sheet.household.id) if sheet.household.id in ids else -1
    groups: dict[str, list[grid.GridRow]] = {}
    for row in sheet.rows:
        groups.setdefault(row.criterion.category, []).append(row)
    response = render(request, "evaluation/score_grid.html", {
        "tab": "home", "round": evaluation, "village": village_name(session, evaluation.village_id),
        "month_label": service.month_label, "LIST_LABELS": LIST_LABELS, "sheet": sheet, "groups": groups,
        "position": at + 1, "count": len(ids),
        "previous": sheet.others[at - 1] if at > 0 else None,
        "next": sheet.others[at + 1] if 0 <= at < len(ids) - 1 else None,
        "done": done, "error": error}, status_code=status_code)
    if error:
        response.headers["HX-Push-Url"] = "false"  # a refused boosted form must not leave its POST URL behind
    return response
