"""评比 pages by area — rounds: the hub, criteria, a round (scoring, notice with objections, finalising)."""

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlmodel import select

from app.deps import ActorDep, HtmxDep, SessionDep, SettingsDep
from app.evaluation import boards, criteria, service
from app.evaluation.models import (
    COMBINATION_RULE,
    EVALUATION_CATEGORIES,
    LIST_LABELS,
    STATUS_LABELS,
    RoundStatus,
)
from app.evaluation.views import criteria_of, head_names, round_public
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.images import process_photo
from app.org.access import ADMINS, COMMITTEE, OFFICIALS, VILLAGE_STAFF, acting_household, village_for
from app.org.models import Household, User
from app.org.service import village_name
from app.org.switch import switch_village
from app.timeutil import utcnow

router = APIRouter(prefix="/evaluation")
MAX_UPLOAD = 5 * 1024 * 1024 + 1
DEFAULT_NOTICE_DAYS = 7  # the publish form's suggestion, never below the village's minimum
DONE = {"open": "评比已开始，请评比委员评分", "score": "评分已保存", "delete": "评分已删除", "publish": "已公示",
        "objection": "异议已提交，村干部会公开答复", "answer": "已答复", "final": "已定榜，积分已发放",
        "criterion": "评比项目已保存", "retire": "已停用该项目",
        "final_pending": "已定榜，红黑榜已公布；有的农户积分要等第二个人批准，见下方"}


def _common(actor, session, village_id: int) -> dict:
    return {"tab": "home", "village_id": village_id, "village": village_name(session, village_id),
            "is_official": actor.can(village_id, OFFICIALS), "is_committee": actor.can(village_id, COMMITTEE),
            "is_admin": actor.can(village_id, ADMINS),
            "STATUS_LABELS": STATUS_LABELS, "LIST_LABELS": LIST_LABELS, "month_label": service.month_label}


@router.get("")
def hub(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
        village_id: Id | None = None, done: str = "") -> Response:
    switch = switch_village(session, actor, village_id)
    village = switch.village_id
    rounds = service.village_rounds(session, village_id=village)
    common = _common(actor, session, village)
    this_month = boards.this_month(settings.timezone)
    return render(request, "evaluation/hub.html", {
        **common, "rounds": rounds, "this_month": this_month, "earliest": boards.shift_month(this_month, -1),
        "suggested": _first_free_month(rounds, this_month, back=ADMIN_MONTHS_BACK if common["is_admin"] else 1),
        "switch": switch, "done": DONE.get(done, "")})


ADMIN_MONTHS_BACK = 12  # how far back the form looks for a month without a round, for a town or county admin


def _first_free_month(rounds: list, this_month: str, *, back: int) -> str | None:
    """The month 开始新一轮评比 offers: this month, else the latest before it (at most `back` months back) that has
    no round yet — never one already open (#18); None when every month it could offer has one."""
    taken = {r.month for r in rounds}
    return next((m for k in range(back + 1) if (m := boards.shift_month(this_month, -k)) not in taken), None)


@router.get("/score")
def to_scoring(actor: ActorDep, session: SessionDep) -> Response:
    """The committee member's entry: the open round of their village, or the hub."""
    village = village_for(actor, None, COMMITTEE)
    open_one = next((r for r in service.village_rounds(session, village_id=village)
                     if r.status == RoundStatus.scoring), None)
    return RedirectResponse(f"/evaluation/rounds/{open_one.id}" if open_one else "/evaluation", status_code=303)


@router.post("/rounds")
def open_round(actor: ActorDep, session: SessionDep, htmx: HtmxDep, settings: SettingsDep,
               month: Annotated[str, Form()] = "",
               village_id: Annotated[Id | None, Form()] = None, form_key: Annotated[str, Form()] = "") -> Response:
    village = village_for(actor, village_id, VILLAGE_STAFF)
    made = service.open_round(session, actor=actor, village_id=village, month=month, idempotency_key=form_key or None,
                              latest=boards.this_month(settings.timezone))
    session.commit()
    return redirect_after_post(f"/evaluation/rounds/{made.id}?done=open", htmx=htmx)


# --- criteria -----------------------------------------------------------------------------------------------

@router.get("/criteria")
def criteria_page(request: Request, actor: ActorDep, session: SessionDep, village_id: Id | None = None,
                  done: str = "") -> Response:
    switch = switch_village(session, actor, village_id)
    village = switch.village_id
    rows = criteria.village_criteria(session, village_id=village, include_retired=True)
    frozen = {c.id for c in rows if criteria.used_in_final_round(session, criterion_id=c.id)}
    return render(request, "evaluation/criteria.html", {
        **_common(actor, session, village), "rows": rows, "frozen": frozen, "categories": EVALUATION_CATEGORIES,
        "switch": switch, "done": DONE.get(done, "")})


@router.post("/criteria")
def add_criterion(actor: ActorDep, session: SessionDep, htmx: HtmxDep, category: Annotated[str, Form()] = "",
                  name: Annotated[str, Form()] = "", points: Annotated[str, Form()] = "",
                  list_kind: Annotated[str, Form()] = "", village_id: Annotated[Id | None, Form()] = None,
                  form_key: Annotated[str, Form()] = "") -> Response:
    village = village_for(actor, village_id, OFFICIALS)
    criteria.create_criterion(session, actor=actor, village_id=village, category=category, name=name,
                              points=form_int(points), list_kind=list_kind or None, idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/evaluation/criteria?village_id={village}&done=criterion", htmx=htmx)


@router.post("/criteria/{criterion_id}/edit")
def edit_criterion(criterion_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                   category: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                   points: Annotated[str, Form()] = "", list_kind: Annotated[str, Form()] = "") -> Response:
    criterion = criteria.visible_criterion(session, actor, criterion_id, roles=OFFICIALS)
    criteria.update_criterion(session, actor=actor, criterion=criterion, changes={
        "category": category, "name": name, "points": form_int(points), "list": list_kind or None})
    session.commit()
    return redirect_after_post(f"/evaluation/criteria?village_id={criterion.village_id}&done=criterion", htmx=htmx)


@router.post("/criteria/{criterion_id}/retire")
def retire_criterion(criterion_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    criterion = criteria.visible_criterion(session, actor, criterion_id, roles=OFFICIALS)
    criteria.retire_criterion(session, actor=actor, criterion=criterion)
    session.commit()
    return redirect_after_post(f"/evaluation/criteria?village_id={criterion.village_id}&done=retire", htmx=htmx)


# --- a round ------------------------------------------------------------------------------------------------

@router.get("/rounds/{round_id}")
def round_page(round_id: Id, request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    evaluation = service.visible_round(session, actor, round_id)
    view = round_public(session, actor, evaluation)
    village = evaluation.village_id
    households = list(session.exec(select(Household).where(Household.village_id == village)
                                   .order_by(Household.id)))
    names = {h.id: h.head_name for h in households} | head_names(session, {s.household_id for s in view.scores})
    by_household: dict[int, list] = defaultdict(list)
    for line in view.lines:
        by_household[line.household_id].append(line)
    scored: dict[int, list] = defaultdict(list)
    for s in view.scores:
        scored[s.household_id].append(s)
    household = acting_household(session, actor)
    unanswered = sum(1 for line in view.lines for o in line.objections if o.answer is None)
    notice_over = evaluation.notice_ends_at is None or utcnow() >= evaluation.notice_ends_at
    recused: dict[int, list[str]] = defaultdict(list)
    for r in view.recusals:
        recused[r.household_id].append(r.member)
    totals: dict[int, int] = defaultdict(int)  # what 定榜 will credit, for its confirmation
    for line in view.lines:
        totals[line.household_id] += line.points
    credits = [t for t in totals.values() if t > 0]
    return render(request, "evaluation/round.html", {
        **_common(actor, session, village), "round": evaluation, "view": view, "rule": COMBINATION_RULE,
        "households": households, "names": names, "criteria": criteria_of(session, village),
        "active_criteria": criteria.village_criteria(session, village_id=village), "lines_by": by_household,
        "scored": scored, "members": _members(session, view.scores),
        "can_object": household is not None and household.village_id == village,
        "is_staff": actor.can(village, VILLAGE_STAFF), "unanswered": unanswered, "notice_over": notice_over,
        "recused": recused, "own_household_id": actor.user.household_id,
        "publish_days": max(DEFAULT_NOTICE_DAYS, view.min_notice_days), "done": DONE.get(done, ""),
        "final_households": len(credits), "final_points": sum(credits)})


def _members(session, scores) -> dict[int, str]:
    ids = {s.member_id for s in scores}
    return {u.id: u.name for u in session.exec(select(User).where(User.id.in_(ids)))} if ids else {}


@router.post("/rounds/{round_id}/scores")
def save_score(round_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
               household_id: Annotated[Id, Form()], criterion_id: Annotated[Id, Form()],
               points: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
               photo: Annotated[UploadFile | None, File()] = None) -> Response:
    data = photo.file.read(MAX_UPLOAD) if photo is not None and photo.filename else b""
    processed = process_photo(data) if data else None  # before the database: outside the writer
    evaluation = service.visible_round(session, actor, round_id)
    score, _ = service.save_score(session, actor=actor, evaluation=evaluation, household_id=household_id,
                                  criterion_id=criterion_id, points=form_int(points), reason=reason)
    if processed is not None:
        service.set_score_photo(session, actor=actor, evaluation=evaluation, score=score, photo=processed)
    session.commit()
    return redirect_after_post(f"/evaluation/rounds/{round_id}?done=score#my-scores", htmx=htmx)


@router.post("/rounds/{round_id}/scores/{score_id}/delete")
def delete_score(round_id: Id, score_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    evaluation = service.visible_round(session, actor, round_id)
    score = service.own_score(session, actor=actor, evaluation=evaluation, score_id=score_id)
    service.delete_score(session, actor=actor, evaluation=evaluation, score=score)
    session.commit()
    return redirect_after_post(f"/evaluation/rounds/{round_id}?done=delete#my-scores", htmx=htmx)


@router.post("/rounds/{round_id}/publish")
def publish(round_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
            notice_days: Annotated[str, Form()] = "") -> Response:
    evaluation = service.visible_round(session, actor, round_id)
    service.publish_round(session, actor=actor, evaluation=evaluation, notice_days=form_int(notice_days))
    session.commit()
    return redirect_after_post(f"/evaluation/rounds/{round_id}?done=publish", htmx=htmx)


@router.post("/rounds/{round_id}/lines/{line_id}/objections")
def object_to_line(round_id: Id, line_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                   text: Annotated[str, Form()] = "", form_key: Annotated[str, Form()] = "") -> Response:
    evaluation = service.visible_round(session, actor, round_id)
    service.file_objection(session, actor=actor, evaluation=evaluation, line_id=line_id, text=text,
                           idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/evaluation/rounds/{round_id}?done=objection#line-{line_id}", htmx=htmx)


@router.post("/rounds/{round_id}/objections/{objection_id}/answer")
def answer(round_id: Id, objection_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
           answer: Annotated[str, Form()] = "", corrected_points: Annotated[str, Form()] = "",
           remove_from_list: Annotated[str, Form()] = "") -> Response:
    evaluation = service.visible_round(session, actor, round_id)
    corrected = form_int(corrected_points) if corrected_points.strip() else None
    service.answer_objection(session, actor=actor, evaluation=evaluation, objection_id=objection_id, answer=answer,
                             corrected_points=corrected, remove_from_list=bool(remove_from_list))
    session.commit()
    return redirect_after_post(f"/evaluation/rounds/{round_id}?done=answer", htmx=htmx)


@router.post("/rounds/{round_id}/finalize")
def finalize(round_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    evaluation = service.visible_round(session, actor, round_id)
    service.finalize_round(session, actor=actor, evaluation=evaluation)
    waiting = service.pending_credits(session, evaluation=evaluation)
    session.commit()
    if waiting:
        return redirect_after_post(f"/evaluation/rounds/{round_id}?done=final_pending", htmx=htmx)
    return redirect_after_post(f"/evaluation/board?village_id={evaluation.village_id}&month={evaluation.month}"
                               "&done=final", htmx=htmx)


@router.get("/photos/{photo_id}.jpg")
def photo(photo_id: Id, actor: ActorDep, session: SessionDep) -> Response:
    image = service.visible_photo(session, actor, photo_id)
    return Response(image.data, media_type=image.content_type, headers={"Cache-Control": "private, no-store"})
