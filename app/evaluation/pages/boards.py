"""评比 pages by area — boards: what every villager reads. The month's 红黑榜 (and its A4 print), black-list
follow-ups, coverage against the 60 % target, and 积分公示."""

import base64
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from app.deps import ActorDep, HtmxDep, SessionDep, SettingsDep
from app.evaluation import boards, service
from app.evaluation.models import EvaluationRound, RoundStatus
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.ledger.models import CATEGORY_LABELS, KIND_LABELS
from app.org.access import COMMITTEE, EVERYONE, OFFICIALS, VILLAGE_STAFF, Actor, village_for
from app.org.service import village_name
from app.org.switch import switch_village
from app.shop.qr import qr_svg

router = APIRouter(prefix="/evaluation")
DONE = {"final": "已定榜：积分已发到各户，红黑榜已公布", "followup": "教育转化记录已保存",
        "transformed": "已记录转化，这户移出黑榜"}


def _latest_final_month(session: Session, village_id: int, fallback: str) -> str:
    found = session.exec(select(EvaluationRound.month).where(
        EvaluationRound.village_id == village_id, EvaluationRound.status == RoundStatus.final)
        .order_by(col(EvaluationRound.month).desc())).first()
    return found or fallback


def _month(session: Session, village: int, month: str | None, tz: str) -> str:
    return service.clean_month(month) if month else _latest_final_month(session, village, boards.this_month(tz))


def _board_context(session: Session, actor: Actor, village: int, month: str, tz: str, *, wall: bool = False
                   ) -> dict:
    """The board as the actor reads it: his own household's name in full, but not on the sheet for the wall."""
    board = boards.month_board(session, village_id=village, month=month, reader=None if wall else actor)
    coverage = boards.village_coverage(session, village_ids=[village], month=month)[0]
    return {"tab": "home", "village_id": village, "village": village_name(session, village), "board": board,
            "month": month, "label": service.month_label(month), "coverage": coverage,
            "target": boards.COVERAGE_TARGET, "prev": boards.shift_month(month, -1),
            "next": boards.shift_month(month, 1) if month < boards.this_month(tz) else None,
            "is_official": actor.can(village, OFFICIALS), "switch": switch_village(session, actor, village)}


@router.get("/board")
def board(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
          village_id: Id | None = None, month: str | None = None, done: str = "") -> Response:
    village = village_for(actor, village_id)
    context = _board_context(session, actor, village, _month(session, village, month, settings.timezone),
                             settings.timezone)
    return render(request, "evaluation/board.html", {**context, "done": DONE.get(done, "")})


@router.get("/board/print")
def board_print(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
                village_id: Id | None = None, month: str | None = None) -> Response:
    """The board on one A4 sheet for the wall (the print stylesheet drops the page's chrome)."""
    village = village_for(actor, village_id)
    context = _board_context(session, actor, village, _month(session, village, month, settings.timezone),
                             settings.timezone, wall=True)
    return render(request, "evaluation/board_print.html", context)


@router.post("/rounds/{round_id}/follow-ups")
def follow_up(round_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
              household_id: Annotated[Id, Form()], visited_by: Annotated[str, Form()] = "",
              change: Annotated[str, Form()] = "", transformed: Annotated[str, Form()] = "",
              form_key: Annotated[str, Form()] = "") -> Response:
    evaluation = service.visible_round(session, actor, round_id)
    boards.record_followup(session, actor=actor, evaluation=evaluation, household_id=household_id,
                           visited_by=visited_by, change=change, transformed=bool(transformed),
                           idempotency_key=form_key or None)
    session.commit()
    done = "transformed" if transformed else "followup"
    return redirect_after_post(f"/evaluation/board?village_id={evaluation.village_id}&month={evaluation.month}"
                               f"&done={done}", htmx=htmx)


@router.get("/coverage")
def coverage(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
             month: str | None = None) -> Response:
    actor.require_any(VILLAGE_STAFF)
    month = service.clean_month(month) if month else boards.this_month(settings.timezone)
    villages = sorted(actor.villages(VILLAGE_STAFF))
    rows = boards.village_coverage(session, village_ids=villages, month=month)
    return render(request, "evaluation/coverage.html", {
        "tab": "home", "rows": rows, "rolled": boards.rolled_up(session, rows), "target": boards.COVERAGE_TARGET,
        "label": service.month_label(month), "since": service.month_label(boards.shift_month(month, -11))})


@router.get("/points")
def points_notice(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
                  village_id: Id | None = None, month: str | None = None) -> Response:
    switch = switch_village(session, actor, village_id)
    village = switch.village_id
    month = service.clean_month(month) if month else boards.this_month(settings.timezone)
    notice = boards.points_notice(session, village_id=village, month=month, tz=settings.timezone, reader=actor)
    # 公开链接: the signed-out page of the same month, and for officials its QR to print for the notice board
    public_url = f"{str(request.base_url).rstrip('/')}/public/villages/{village}/points?month={month}"
    official = actor.can(village, OFFICIALS)
    return render(request, "evaluation/points.html", {
        "public_url": public_url, "is_official": official,
        "public_qr": "data:image/svg+xml;base64," + base64.b64encode(qr_svg(public_url)).decode() if official else "",
        "tab": "home", "village_id": village, "village": village_name(session, village), "notice": notice,
        "month": month, "label": service.month_label(month), "prev": boards.shift_month(month, -1),
        "next": boards.shift_month(month, 1) if month < boards.this_month(settings.timezone) else None,
        "CATEGORY_LABELS": CATEGORY_LABELS, "KIND_LABELS": KIND_LABELS,
        "switch": switch})


@router.get("/home-card")
def home_card(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """首页's 评比 news for the signed-in user's own village (fetched by the card on 首页): a round on public notice
    (公示, objections open), the latest published 红黑榜, the round open for the committee's scores."""
    village = actor.first_village(EVERYONE)
    rounds = service.village_rounds(session, village_id=village, limit=3) if village else []
    return render(request, "evaluation/_home_card.html", {
        "notice": next((r for r in rounds if r.status == RoundStatus.notice), None),
        "final": next((r for r in rounds if r.status == RoundStatus.final), None),
        "scoring": next((r for r in rounds if r.status == RoundStatus.scoring), None),
        "is_committee": village is not None and actor.can(village, COMMITTEE), "month_label": service.month_label})
