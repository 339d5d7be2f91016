"""积分公示 for everyone, signed out (issue #21 item 6): `/public/villages/{id}/points?month=YYYY-MM`, a village's
month as the wall board shows it, on a phone. Rate-limited per address (PUBLIC_PAGES_PER_MINUTE) and cacheable
for a few minutes (the same for every reader: nothing on it depends on who asks)."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.deps import PublicTriesDep, ReadSessionDep, SettingsDep, client_address
from app.errors import RateLimited
from app.evaluation import public_board
from app.evaluation.service import month_label
from app.htmx import render
from app.ids import Id
from app.timeutil import checked_month, shift_month, this_month

public = APIRouter(include_in_schema=False)
CACHE = "public, max-age=300"


@public.get("/public/villages/{village_id}/points")
def village_points(request: Request, village_id: Id, session: ReadSessionDep, settings: SettingsDep,
                   tries: PublicTriesDep, month: str | None = None) -> Response:
    wait = tries.hit(client_address(request))
    if wait is not None:
        raise RateLimited("访问太频繁，请稍后再试", retry_after=wait)
    village = public_board.public_village(session, village_id)
    now = this_month(settings.timezone)
    month = now if month is None else checked_month(month)
    board = public_board.public_board(session, village=village, month=month, tz=settings.timezone)
    response = render(request, "evaluation/public_points.html", {
        "board": board, "label": month_label(month), "prev": shift_month(month, -1),
        "next": shift_month(month, 1) if month < now else None})
    response.headers["Cache-Control"] = CACHE
    return response
