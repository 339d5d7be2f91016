"""村规民约 pages: the text in force (公开 → 村规民约), its history (every version with the amendment and vote behind
it, and what changed), proposing an amendment and following it through 四议两公开 (its steps are recorded on the
decision's page), the 议事会's discussion; the township's 大体检 (the year's list, a check's form, a check)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.compact import checkups, service, views
from app.compact.access import CHECKERS, KEEPERS, PROPOSERS
from app.compact.models import CHECK_ITEMS
from app.deps import ActorDep, HtmxDep, SessionDep
from app.errors import ValidationFailed
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.org.access import acting_household, village_for
from app.org.service import village_name
from app.org.switch import switch_village
from app.timeutil import TIMEZONE, local, utcnow

router = APIRouter()
DONE = {"create": "已建立，全村都能看到", "propose": "修订已提出，请按四议两公开的步骤办理",
        "discuss": "议事会讨论已记录", "checkup": "体检结果已记录，村里能看到"}
Text = Annotated[str, Form()]


def _date(value: str, label: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(f"{label}不对") from None


@router.get("/compact")
def compact_page(request: Request, actor: ActorDep, session: SessionDep, done: str = "",
                 village_id: Id | None = None) -> Response:
    switch = switch_village(session, actor, village_id, household=acting_household(session, actor))
    compact = service.compact_of(session, village_id=switch.village_id)  # type: ignore[arg-type]
    return render(request, "compact/compact.html", {
        "tab": "disclosure", "switch": switch, "village": switch.name, "done": DONE.get(done, ""),
        "c": views.compact_public(session, compact) if compact else None,
        "may_create": actor.can(switch.village_id, KEEPERS), "may_propose": actor.can(switch.village_id, PROPOSERS),
        "may_check": actor.can(switch.village_id, CHECKERS)})


@router.post("/compact")
def create(actor: ActorDep, session: SessionDep, htmx: HtmxDep, body: Text = "", title: Text = "",
           adopted_on: Text = "", form_key: Text = "") -> Response:
    village = village_for(actor, None, KEEPERS, refuse="只有村干部可以建立村规民约")
    service.create_compact(session, actor=actor, village_id=village, body=body, title=title,
                           adopted_on=_date(adopted_on, "通过日期"), idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post("/compact?done=create", htmx=htmx)


@router.get("/compact/history")
def history(request: Request, actor: ActorDep, session: SessionDep, village_id: Id | None = None) -> Response:
    switch = switch_village(session, actor, village_id, household=acting_household(session, actor))
    compact = service.required_compact(session, village_id=switch.village_id)  # type: ignore[arg-type]
    rejected = [views.amendment_public(session, a) for a in service.amendments_of(session, compact)
                if a.published_version is None]
    return render(request, "compact/history.html", {
        "tab": "disclosure", "switch": switch, "village": switch.name, "versions": views.history(session, compact),
        "others": rejected})


@router.get("/compact/amendments/new")
def new_amendment(request: Request, actor: ActorDep, session: SessionDep, checkup_id: Id | None = None) -> Response:
    village = village_for(actor, None, PROPOSERS, refuse="只有村干部或评比委员可以提出修订")
    compact = service.required_compact(session, village_id=village)
    return render(request, "compact/amend.html", {
        "tab": "disclosure", "c": views.compact_public(session, compact), "checkup_id": checkup_id,
        "today": local(utcnow(), TIMEZONE).date().isoformat()})


@router.post("/compact/amendments")
def propose(actor: ActorDep, session: SessionDep, htmx: HtmxDep, reason: Text = "", body: Text = "",
            discussed_on: Text = "", discussion: Text = "", checkup_id: Text = "", form_key: Text = "") -> Response:
    village = village_for(actor, None, PROPOSERS, refuse="只有村干部或评比委员可以提出修订")
    amendment = service.propose_amendment(
        session, actor=actor, village_id=village, reason=reason, body=body,
        discussed_on=_date(discussed_on, "讨论日期"), discussion=discussion,
        checkup_id=int(checkup_id) if checkup_id.strip().isdigit() else None, idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/compact/amendments/{amendment.id}?done=propose", htmx=htmx)


@router.get("/compact/amendments/{amendment_id}")
def amendment_page(amendment_id: Id, request: Request, actor: ActorDep, session: SessionDep,
                   done: str = "") -> Response:
    amendment = service.visible_amendment(session, actor, amendment_id)
    return render(request, "compact/amendment.html", {
        "tab": "disclosure", "a": views.amendment_public(session, amendment), "done": DONE.get(done, ""),
        "manages": actor.can(amendment.village_id, KEEPERS), "village": village_name(session, amendment.village_id),
        "today": local(utcnow(), TIMEZONE).date().isoformat()})


@router.post("/compact/amendments/{amendment_id}/discussion")
def discuss(amendment_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep, discussed_on: Text = "",
            discussion: Text = "") -> Response:
    service.record_discussion(session, actor=actor, amendment=service.visible_amendment(session, actor, amendment_id),
                              discussed_on=_date(discussed_on, "讨论日期"), discussion=discussion)
    session.commit()
    return redirect_after_post(f"/compact/amendments/{amendment_id}?done=discuss", htmx=htmx)


# --- 大体检 ---------------------------------------------------------------------------------------------------------

@router.get("/compact/checkups")
def year_list(request: Request, actor: ActorDep, session: SessionDep, year: int | None = None) -> Response:
    actor.require_any(CHECKERS, "只有乡镇（或县）管理员可以查看")
    now = local(utcnow(), TIMEZONE).year
    year = year if year is not None and 2000 <= year <= now else now
    rows = checkups.year_overview(session, actor=actor, year=year)
    return render(request, "compact/checkups.html", {
        "tab": "home", "rows": rows, "year": year, "this_year": now,
        "checked": sum(1 for r in rows if r.latest is not None)})


@router.get("/compact/checkups/new")
def checkup_form(request: Request, actor: ActorDep, session: SessionDep, village_id: Id) -> Response:
    village = village_for(actor, village_id, CHECKERS, refuse="只有乡镇（或县）管理员可以做村规民约大体检")
    compact = service.required_compact(session, village_id=village)
    return render(request, "compact/checkup_form.html", {
        "tab": "home", "c": views.compact_public(session, compact), "items": CHECK_ITEMS,
        "village": village_name(session, village), "today": local(utcnow(), TIMEZONE).date().isoformat()})


@router.post("/compact/checkups")
async def record_checkup(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    form = await request.form()
    village = village_for(actor, _form_id(form.get("village_id")), CHECKERS,
                          refuse="只有乡镇（或县）管理员可以做村规民约大体检")
    items = [(key.value, str(form.get(f"pass-{key.value}", "")) == "yes", str(form.get(f"note-{key.value}", "")))
             for key in CHECK_ITEMS if form.get(f"pass-{key.value}") in ("yes", "no")]
    checkup = checkups.record_checkup(session, actor=actor, village_id=village, items=items,
                                      checked_on=_date(str(form.get("checked_on", "")), "体检日期"),
                                      note=str(form.get("note", "")),
                                      idempotency_key=str(form.get("form_key", "")) or None)
    session.commit()
    return redirect_after_post(f"/compact/checkups/{checkup.id}?done=checkup", htmx=htmx)


def _form_id(value) -> int:
    text = str(value or "").strip()
    if not text.isdigit() or not 1 <= int(text) < 2**31:
        raise ValidationFailed("请选择村")
    return int(text)


@router.get("/compact/checkups/{checkup_id}")
def checkup_page(checkup_id: Id, request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    checkup = checkups.visible_checkup(session, actor, checkup_id)
    return render(request, "compact/checkup.html", {
        "tab": "disclosure", "k": views.checkup_public(session, checkup), "done": DONE.get(done, ""),
        "village": village_name(session, checkup.village_id),
        "may_propose": actor.can(checkup.village_id, PROPOSERS)})
