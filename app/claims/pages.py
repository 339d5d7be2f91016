"""申报 pages: 我的申报 (a household's claims and the form to file one, with a photo), 待审申报 (the committee's and
officials' queue, with the photo, 通过 / 不通过 with a reason), a claim's page and its photo."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import col, select

from app.claims import service
from app.claims.models import STATUS_LABELS
from app.deps import ActorDep, HtmxDep, SessionDep
from app.errors import Forbidden
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.images import MAX_UPLOAD_BYTES, process_photo
from app.org.access import own_household
from app.org.models import Household, User

router = APIRouter()
DONE = {"file": "已提交申报，等村里评比委员或村干部审核", "approve": "已通过，积分已记入这户",
        "refuse": "已不通过，理由已告诉这户", "photo": "照片已上传"}


@router.get("/claims")
def my_claims(request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    household = own_household(session, actor, "只有村民可以申报积分")
    page = service.household_claims(session, household_id=household.id, limit=50)
    return render(request, "claims/mine.html", {
        "tab": "points", "claims": page.items, "labels": STATUS_LABELS,
        "credits": {c.id: service.credit_of(session, c) for c in page.items}, "done": DONE.get(done, "")})


@router.get("/claims/new")
def new_claim(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    household = own_household(session, actor, "只有村民可以申报积分")
    return render(request, "claims/new.html", {
        "tab": "points", "criteria": service.claimable_criteria(session, village_id=household.village_id)})


@router.post("/claims")
def file_claim(actor: ActorDep, session: SessionDep, htmx: HtmxDep, criterion_id: Annotated[str, Form()] = "",
               note: Annotated[str, Form()] = "", photo: Annotated[UploadFile | None, File()] = None,
               form_key: Annotated[str, Form()] = "") -> Response:
    data = photo.file.read(MAX_UPLOAD_BYTES + 1) if photo is not None and photo.filename else b""
    picture = process_photo(data) if data else None  # before the database: outside the writer
    service.file_claim(session, actor=actor, criterion_id=form_int(criterion_id, blank=0), note=note,
                       photo=picture, idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post("/claims?done=file", htmx=htmx)


@router.get("/claims/queue")
def queue(request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    if not actor.villages(service.DECIDERS):
        raise Forbidden("只有评比委员或村干部可以审核申报")
    rows = service.waiting_claims(session, actor=actor)
    decided = service.decided_claims(session, actor=actor)
    every = rows + decided
    homes = {h.id: h for h in session.exec(select(Household).where(
        col(Household.id).in_({c.household_id for c in every})))} if every else {}
    people = {u.id: u.name for u in session.exec(select(User).where(
        col(User.id).in_({c.claimant_id for c in every} | {c.decided_by_id for c in every if c.decided_by_id})))
    } if every else {}
    return render(request, "claims/queue.html", {
        "tab": "home", "rows": rows, "decided": decided, "homes": homes, "people": people, "labels": STATUS_LABELS,
        "decidable": {c.id for c in rows if service.may_decide(actor, c)}, "done": DONE.get(done, "")})


@router.get("/claims/{claim_id}")
def claim_page(claim_id: Id, request: Request, actor: ActorDep, session: SessionDep) -> Response:
    claim = service.visible_claim(session, actor, claim_id)
    people = {u.id: u.name for u in session.exec(select(User).where(
        col(User.id).in_([i for i in (claim.claimant_id, claim.decided_by_id) if i])))}
    return render(request, "claims/claim.html", {
        "tab": "points" if actor.user.household_id == claim.household_id else "home", "claim": claim,
        "household": session.get(Household, claim.household_id), "people": people, "labels": STATUS_LABELS,
        "credit": service.credit_of(session, claim), "can_decide": service.may_decide(actor, claim)})


@router.post("/claims/{claim_id}/approve")
def approve(claim_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    service.approve_claim(session, actor=actor, claim=service.visible_claim(session, actor, claim_id))
    session.commit()
    return redirect_after_post("/claims/queue?done=approve", htmx=htmx)


@router.post("/claims/{claim_id}/refuse")
def refuse(claim_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
           reason: Annotated[str, Form()] = "") -> Response:
    service.refuse_claim(session, actor=actor, claim=service.visible_claim(session, actor, claim_id), reason=reason)
    session.commit()
    return redirect_after_post("/claims/queue?done=refuse", htmx=htmx)


@router.get("/claims/{claim_id}/photo.jpg")
def photo(claim_id: Id, actor: ActorDep, session: SessionDep) -> Response:
    image = service.claim_photo(session, service.visible_claim(session, actor, claim_id))
    return Response(image.data, media_type=image.content_type, headers={"Cache-Control": "private, no-store"})
