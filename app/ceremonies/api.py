"""婚丧事报备 JSON API (shared/api-v1.md "婚丧事报备"): the village's standards, a household's filings, the council's
queue, 备案 and the outcome."""

from fastapi import APIRouter

from app.ceremonies import service
from app.ceremonies.access import STANDARDS_READERS, visible_filing
from app.ceremonies.models import Acknowledgement, CeremonyCreate, CeremonyPublic, Outcome, StandardsUpdate
from app.deps import ActorDep, IdempotencyKey, SessionDep
from app.ids import Id
from app.org.access import acting_household, village_for

router = APIRouter(tags=["ceremonies"])


def _standards(session, village_id: int) -> dict:
    rules = service.standards(session, village_id=village_id)
    return {"village_id": village_id, **{key: getattr(rules, key) for key in service.STANDARDS.rules}}


@router.get("/villages/{village_id}/ceremony-standards")
def read_standards(village_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    """The village's 红白事 standards, published to everyone of the village (another village: 404)."""
    return _standards(session, village_for(actor, village_id, STANDARDS_READERS))


@router.put("/villages/{village_id}/ceremony-standards")
def write_standards(village_id: Id, body: StandardsUpdate, actor: ActorDep, session: SessionDep) -> dict:
    """An official sets some of the standards (fields left out stay as they are)."""
    village = village_for(actor, village_id, STANDARDS_READERS)
    service.set_standards(session, actor=actor, village_id=village, values=body.model_dump())
    session.commit()
    return _standards(session, village)


@router.post("/ceremonies", status_code=201, response_model=CeremonyPublic)
def file_ceremony(body: CeremonyCreate, actor: ActorDep, session: SessionDep,
                  idempotency_key: IdempotencyKey = None) -> CeremonyPublic:
    """A household member files a wedding, funeral or other occasion (or the council on the family's behalf with
    `household_id`); the answer says at once whether the plan keeps within the standards (`over`)."""
    filing = service.file_ceremony(session, actor=actor, idempotency_key=idempotency_key, **body.model_dump())
    session.commit()
    return service.filing_public(session, filing)


@router.get("/ceremonies")
def my_filings(actor: ActorDep, session: SessionDep, limit: int | None = None, cursor: str | None = None) -> dict:
    """The caller's household's filings, newest first (none for a user without a household)."""
    household = acting_household(session, actor)
    if household is None:
        return {"items": [], "next_cursor": None}
    page = service.household_filings(session, household_id=household.id, limit=limit, cursor=cursor)
    return {"items": [service.filing_public(session, c) for c in page.items], "next_cursor": page.next_cursor}


@router.get("/ceremonies/queue")
def queue(actor: ActorDep, session: SessionDep) -> dict:
    """What waits for the council in the caller's villages (to acknowledge; the outcome), by the day held."""
    return {"items": [service.filing_public(session, c) for c in service.council_queue(session, actor=actor)],
            "next_cursor": None}


@router.get("/ceremonies/{filing_id}", response_model=CeremonyPublic)
def get_filing(filing_id: Id, actor: ActorDep, session: SessionDep) -> CeremonyPublic:
    return service.filing_public(session, visible_filing(session, actor, filing_id))


@router.post("/ceremonies/{filing_id}/acknowledge", response_model=CeremonyPublic)
def acknowledge(filing_id: Id, body: Acknowledgement, actor: ActorDep, session: SessionDep) -> CeremonyPublic:
    """备案, with the council's advice (once: again answers the first)."""
    filing = service.acknowledge(session, actor=actor, filing=visible_filing(session, actor, filing_id),
                                 advice=body.advice)
    session.commit()
    return service.filing_public(session, filing)


@router.post("/ceremonies/{filing_id}/outcome", response_model=CeremonyPublic)
def outcome(filing_id: Id, body: Outcome, actor: ActorDep, session: SessionDep) -> CeremonyPublic:
    """After the day: how it was held; within the standards, the village's points credited once."""
    filing = service.record_outcome(session, actor=actor, filing=visible_filing(session, actor, filing_id),
                                    **body.model_dump())
    session.commit()
    return service.filing_public(session, filing)
