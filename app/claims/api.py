"""申报 JSON API (shared/api-v1.md, "Villagers' claims and group activities"): a villager files a claim, the
village's committee or an official approves or refuses it; the photo is added with `PUT /claims/{id}/photo`."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from app.claims import service
from app.claims.models import ClaimCreate, ClaimPublic, ClaimRefusal
from app.deps import ActorDep, IdempotencyKey, SessionDep
from app.ids import Id
from app.images import MAX_UPLOAD_BYTES, process_photo
from app.org.access import acting_household

router = APIRouter(tags=["claims"])


@router.post("/claims", status_code=201, response_model=ClaimPublic)
def file_claim(body: ClaimCreate, actor: ActorDep, session: SessionDep,
               idempotency_key: IdempotencyKey = None) -> ClaimPublic:
    """A villager claims a criterion of their village for their household (one a criterion a day; within the
    village's monthly limit, else 409 `limit_reached`)."""
    claim = service.file_claim(session, actor=actor, criterion_id=body.criterion_id, note=body.note, photo=None,
                               idempotency_key=idempotency_key)
    session.commit()
    return service.claim_public(session, claim)


@router.get("/claims")
def my_claims(actor: ActorDep, session: SessionDep, limit: int | None = None, cursor: str | None = None) -> dict:
    """The caller's household's claims, newest first (none for a user without a household)."""
    household = acting_household(session, actor)
    if household is None:
        return {"items": [], "next_cursor": None}
    page = service.household_claims(session, household_id=household.id, limit=limit, cursor=cursor)
    return {"items": [service.claim_public(session, c) for c in page.items], "next_cursor": page.next_cursor}


@router.get("/claims/pending")
def pending_claims(actor: ActorDep, session: SessionDep) -> dict:
    """The claims waiting in the villages the caller decides for (committee, officials, the town admin)."""
    rows = service.waiting_claims(session, actor=actor)
    return {"items": [service.claim_public(session, c) for c in rows], "next_cursor": None}


@router.get("/claims/{claim_id}", response_model=ClaimPublic)
def get_claim(claim_id: Id, actor: ActorDep, session: SessionDep) -> ClaimPublic:
    return service.claim_public(session, service.visible_claim(session, actor, claim_id))


@router.put("/claims/{claim_id}/photo", response_model=ClaimPublic)
def claim_photo(claim_id: Id, photo: Annotated[UploadFile, File()], actor: ActorDep, session: SessionDep
                ) -> ClaimPublic:
    data = photo.file.read(MAX_UPLOAD_BYTES + 1)
    service.visible_claim(session, actor, claim_id)
    session.commit()  # the photo is decoded holding no lock and no connection
    processed = process_photo(data)
    claim = service.attach_photo(session, actor=actor, claim=service.visible_claim(session, actor, claim_id),
                                 photo=processed)
    session.commit()
    return service.claim_public(session, claim)


@router.post("/claims/{claim_id}/approve", response_model=ClaimPublic)
def approve(claim_id: Id, actor: ActorDep, session: SessionDep) -> ClaimPublic:
    """Approve: the criterion's points credited once (200 however often it is sent); a member of the claiming
    household → 403 `conflict_of_interest`; a refused claim → 409 `invalid_state`."""
    claim = service.approve_claim(session, actor=actor, claim=service.visible_claim(session, actor, claim_id))
    session.commit()
    return service.claim_public(session, claim)


@router.post("/claims/{claim_id}/refuse", response_model=ClaimPublic)
def refuse(claim_id: Id, body: ClaimRefusal, actor: ActorDep, session: SessionDep) -> ClaimPublic:
    claim = service.refuse_claim(session, actor=actor, claim=service.visible_claim(session, actor, claim_id),
                                 reason=body.reason)
    session.commit()
    return service.claim_public(session, claim)
