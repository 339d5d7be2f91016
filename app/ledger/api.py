"""Points: a household's ledger, awards and their reversal (JSON)."""

from fastapi import APIRouter

from app.deps import ActorDep, IdempotencyKey, SessionDep
from app.ids import Id
from app.ledger import service
from app.ledger.models import AwardCreate, AwardPublic, LedgerLine, ReversalCreate, ReversalPublic
from app.org.access import managed_household, visible_household

router = APIRouter(tags=["points"])


@router.get("/households/{household_id}/ledger")
def household_ledger(household_id: Id, actor: ActorDep, session: SessionDep, limit: int | None = None,
                     cursor: str | None = None) -> dict[str, list[LedgerLine] | str | None]:
    household = visible_household(session, actor, household_id)
    page = service.household_ledger(session, household=household, limit=limit, cursor=cursor)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/points/awards", status_code=201, response_model=AwardPublic)
def award(body: AwardCreate, actor: ActorDep, session: SessionDep, idempotency_key: IdempotencyKey = None
          ) -> AwardPublic:
    household = managed_household(session, actor, body.household_id)
    result = service.award_points(session, actor=actor, household=household, points=body.points,
                                  reason=body.reason, category=body.category, idempotency_key=idempotency_key)
    session.commit()
    return result


@router.post("/points/awards/{award_id}/reversal", status_code=201, response_model=ReversalPublic)
def reverse(award_id: Id, body: ReversalCreate, actor: ActorDep, session: SessionDep,
            idempotency_key: IdempotencyKey = None) -> ReversalPublic:
    result = service.reverse_credit(session, actor=actor, transaction_id=award_id, reason=body.reason,
                                   idempotency_key=idempotency_key)
    session.commit()
    return result
