"""婚丧事报备 pages: the village's 红白事标准 (published; officials set them), a family's filings and the form, one
filing (its check against the standards, the council's advice, the outcome), and the council's queue."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import col, select

from app.ceremonies import service
from app.ceremonies.access import (
    ON_BEHALF,
    STANDARDS_READERS,
    STANDARDS_WRITERS,
    council_villages,
    is_council,
    visible_filing,
)
from app.ceremonies.models import KIND_LABELS, STATUS_LABELS, Ceremony
from app.deps import ActorDep, HtmxDep, SessionDep
from app.errors import Forbidden, ValidationFailed
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.org.access import acting_household, village_for
from app.org.models import Household, User

router = APIRouter()
DONE = {"file": "已报备，等红白理事会备案", "acknowledge": "已备案，建议已告诉这户", "outcome": "结果已记录",
        "standards": "红白事标准已更新"}
FIELDS = ("kind", "event_date", "place", "tables", "guests", "cost", "gift_limit", "note", "household_id")


def _homes(session, filings: list[Ceremony]) -> dict[int, Household]:
    ids = {c.household_id for c in filings}
    return {h.id: h for h in session.exec(select(Household).where(col(Household.id).in_(ids)))} if ids else {}


@router.get("/ceremonies/standards")
def standards_page(request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    village = village_for(actor, None, STANDARDS_READERS, household=acting_household(session, actor))
    return render(request, "ceremonies/standards.html", {
        "tab": "public", "rules": service.standards(session, village_id=village), "village_id": village,
        "can_set": actor.can(village, STANDARDS_WRITERS), "done": DONE.get(done, ""), "error": ""})


@router.post("/ceremonies/standards")
def set_standards(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                  max_tables: Annotated[str, Form()] = "", max_guests: Annotated[str, Form()] = "",
                  max_cost: Annotated[str, Form()] = "", max_gift: Annotated[str, Form()] = "",
                  other_tables: Annotated[str, Form()] = "", points: Annotated[str, Form()] = "") -> Response:
    village = village_for(actor, None, STANDARDS_WRITERS, household=acting_household(session, actor),
                          refuse="只有村干部可以修改红白事标准")
    values = {"max_tables": max_tables, "max_guests": max_guests, "max_cost": max_cost, "max_gift": max_gift,
              "other_tables": other_tables, "points": points}
    service.set_standards(session, actor=actor, village_id=village, values={k: form_int(v) for k, v in values.items()})
    session.commit()
    return redirect_after_post("/ceremonies/standards?done=standards", htmx=htmx)


@router.get("/ceremonies")
def my_filings(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    household = acting_household(session, actor)
    if household is None:
        raise Forbidden("只有村民可以报备婚丧事")
    page = service.household_filings(session, household_id=household.id, limit=50)
    return render(request, "ceremonies/mine.html", {
        "tab": "home", "filings": page.items, "labels": STATUS_LABELS, "kinds": KIND_LABELS,
        "over": {c.id: service.over_at_filing(c) for c in page.items}})


def _form_page(request: Request, actor, session, *, form: dict, error: str = "", status_code: int = 200
               ) -> Response:
    household = acting_household(session, actor)
    village = village_for(actor, None, STANDARDS_READERS, household=household)
    on_behalf = sorted(actor.villages(ON_BEHALF))
    homes = list(session.exec(select(Household).where(col(Household.village_id).in_(on_behalf))
                              .order_by(Household.head_name).limit(500))) if on_behalf else []
    if household is None and not homes:
        raise Forbidden("只有村民可以报备婚丧事；村干部可以代为报备")
    return render(request, "ceremonies/new.html", {
        "tab": "home", "form": form, "error": error, "kinds": KIND_LABELS, "homes": homes,
        "own": household, "rules": service.standards(session, village_id=village)}, status_code=status_code)


@router.get("/ceremonies/new")
def new_filing(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    return _form_page(request, actor, session, form=dict.fromkeys(FIELDS, "") | {"kind": "wedding"})


@router.post("/ceremonies")
def file_ceremony(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                  kind: Annotated[str, Form()] = "", event_date: Annotated[str, Form()] = "",
                  place: Annotated[str, Form()] = "", tables: Annotated[str, Form()] = "",
                  guests: Annotated[str, Form()] = "", cost: Annotated[str, Form()] = "",
                  gift_limit: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
                  household_id: Annotated[Id | None, Form()] = None,
                  form_key: Annotated[str, Form()] = "") -> Response:
    form = dict(zip(FIELDS, (kind, event_date, place, tables, guests, cost, gift_limit, note, household_id or ""),
                    strict=True))
    try:
        filing = service.file_ceremony(
            session, actor=actor, kind=kind, event_date=event_date, place=place, tables=form_int(tables),
            guests=form_int(guests), cost=form_int(cost), gift_limit=form_int(gift_limit, blank=0), note=note,
            household_id=household_id, idempotency_key=form_key or None)
    except ValidationFailed as exc:
        session.rollback()
        return _form_page(request, actor, session, form=form, error=exc.message, status_code=422)
    session.commit()
    return redirect_after_post(f"/ceremonies/{filing.id}?done=file", htmx=htmx)


@router.get("/ceremonies/queue")
def queue(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    if not council_villages(session, actor):
        raise Forbidden(service.NOT_COUNCIL)
    rows, done = service.council_queue(session, actor=actor), service.council_done(session, actor=actor)
    return render(request, "ceremonies/queue.html", {
        "tab": "home", "rows": rows, "done_rows": done, "homes": _homes(session, rows + done),
        "labels": STATUS_LABELS, "kinds": KIND_LABELS, "today": service.today(),
        "over": {c.id: service.over_at_filing(c) for c in rows + done},
        "decidable": {c.id for c in rows if service.may_decide(session, actor, c)}})


@router.get("/ceremonies/{filing_id}")
def filing_page(filing_id: Id, request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    filing = visible_filing(session, actor, filing_id)
    people = {u.id: u.name for u in session.exec(select(User).where(col(User.id).in_(
        [i for i in (filing.filed_by_id, filing.acknowledged_by_id, filing.recorded_by_id) if i])))}
    council = is_council(session, actor, filing.village_id)
    return render(request, "ceremonies/filing.html", {
        "tab": "home", "c": filing, "household": session.get(Household, filing.household_id), "people": people,
        "labels": STATUS_LABELS, "kinds": KIND_LABELS, "over": service.over_at_filing(filing),
        "credit": service.credit_of(session, filing), "council": council, "today": service.today(),
        "can_decide": service.may_decide(session, actor, filing),
        "rules": service.standards(session, village_id=filing.village_id), "done": DONE.get(done, "")})


@router.post("/ceremonies/{filing_id}/acknowledge")
def acknowledge(filing_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                advice: Annotated[str, Form()] = "") -> Response:
    filing = service.acknowledge(session, actor=actor, filing=visible_filing(session, actor, filing_id),
                                 advice=advice)
    session.commit()
    return redirect_after_post(f"/ceremonies/{filing.id}?done=acknowledge", htmx=htmx)


@router.post("/ceremonies/{filing_id}/outcome")
def outcome(filing_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
            tables: Annotated[str, Form()] = "", guests: Annotated[str, Form()] = "",
            cost: Annotated[str, Form()] = "", within: Annotated[str, Form()] = "",
            note: Annotated[str, Form()] = "") -> Response:
    said = {"yes": True, "no": False}.get(within)
    filing = service.record_outcome(session, actor=actor, filing=visible_filing(session, actor, filing_id),
                                    tables=form_int(tables), guests=form_int(guests), cost=form_int(cost),
                                    within=said, note=note)
    session.commit()
    return redirect_after_post(f"/ceremonies/{filing.id}?done=outcome", htmx=htmx)
