"""Points: a household's ledger, awards and their reversal (JSON)."""

from fastapi import APIRouter, Response

from app.deps import ActorDep, IdempotencyKey, SessionDep
from app.ids import Id
from app.ledger import approvals, policy, service
from app.ledger.models import (
    AwardCreate,
    AwardLimitsUpdate,
    AwardOutcome,
    AwardRefusal,
    AwardRequestPublic,
    EvaluationSettingsUpdate,
    LedgerLine,
    ReversalCreate,
    ReversalPublic,
    ServiceBoundsUpdate,
)
from app.org.access import managed_household, village_for, visible_household

router = APIRouter(tags=["points"])


@router.get("/households/{household_id}/ledger")
def household_ledger(household_id: Id, actor: ActorDep, session: SessionDep, limit: int | None = None,
                     cursor: str | None = None) -> dict[str, list[LedgerLine] | str | None]:
    household = visible_household(session, actor, household_id)
    page = service.household_ledger(session, household=household, limit=limit, cursor=cursor)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/points/awards", status_code=201, response_model=AwardOutcome,
             responses={202: {"model": AwardOutcome, "description": "Above the limits: waiting for approval"}})
def award(body: AwardCreate, actor: ActorDep, session: SessionDep, response: Response,
          idempotency_key: IdempotencyKey = None) -> AwardOutcome:
    """201 posted; 202 `status: pending` above the village's limits (one award, or the household's month)."""
    household = managed_household(session, actor, body.household_id)
    result = approvals.propose_award(session, actor=actor, household=household, points=body.points,
                                     reason=body.reason, category=body.category, idempotency_key=idempotency_key)
    session.commit()
    response.status_code = 202 if result.status == approvals.PENDING else 201
    return result


@router.post("/points/awards/{award_id}/approve", response_model=AwardOutcome)
def approve(award_id: Id, actor: ActorDep, session: SessionDep) -> AwardOutcome:
    """Another official of the village, or the town admin, posts a waiting award (once); not its proposer (403)."""
    result = approvals.approve_award(session, actor=actor, request=approvals.visible_request(session, actor, award_id))
    session.commit()
    return result


@router.post("/points/awards/{award_id}/refuse", response_model=AwardRequestPublic)
def refuse(award_id: Id, body: AwardRefusal, actor: ActorDep, session: SessionDep) -> AwardRequestPublic:
    """Whoever may approve a waiting award may refuse it with a reason instead: it never posts (once; 409 once
    posted). Not its proposer nor a member of the household (403)."""
    request = approvals.refuse_award(session, actor=actor, request=approvals.visible_request(session, actor, award_id),
                                     reason=body.reason)
    result = AwardRequestPublic.model_validate(request, from_attributes=True)
    session.commit()
    return result


@router.get("/points/awards/pending")
def pending(actor: ActorDep, session: SessionDep) -> dict:
    rows = approvals.pending_awards(session, actor=actor)
    return {"items": [{"id": r.id, "village_id": r.village_id, "household_id": r.household_id, "points": r.points,
                       "reason": r.reason, "category": r.category, "status": r.status,
                       "source_kind": r.source_kind, "source_id": r.source_id,
                       "proposed_by_id": r.proposed_by_id, "created_at": r.created_at} for r in rows],
            "next_cursor": None}


@router.get("/villages/{village_id}/award-limits")
def award_limits(village_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    single, monthly = policy.village_limits(session, village_id=village_for(actor, village_id))
    return {"village_id": village_id, "single_limit": single, "monthly_limit": monthly}


@router.put("/villages/{village_id}/award-limits")
def set_award_limits(village_id: Id, body: AwardLimitsUpdate, actor: ActorDep, session: SessionDep) -> dict:
    single, monthly = policy.set_limits(session, actor=actor, village_id=village_for(actor, village_id),
                                        single_limit=body.single_limit, monthly_limit=body.monthly_limit)
    session.commit()
    return {"village_id": village_id, "single_limit": single, "monthly_limit": monthly}


@router.get("/villages/{village_id}/evaluation-settings")
def evaluation_settings(village_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    row = policy.village_policy(session, village_id=village_for(actor, village_id))
    return {"village_id": village_id, "min_notice_days": row.min_notice_days}


@router.put("/villages/{village_id}/evaluation-settings")
def set_evaluation_settings(village_id: Id, body: EvaluationSettingsUpdate, actor: ActorDep, session: SessionDep
                            ) -> dict:
    """The town admin sets the shortest 公示 of the village's evaluation rounds (officials cannot)."""
    row = policy.set_bounds(session, actor=actor, village_id=village_for(actor, village_id),
                            min_notice_days=body.min_notice_days)
    session.commit()
    return {"village_id": village_id, "min_notice_days": row.min_notice_days}


@router.get("/villages/{village_id}/service-bounds")
def service_bounds(village_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    row = policy.village_policy(session, village_id=village_for(actor, village_id))
    return {"village_id": village_id, "max_points_per_hour": row.max_points_per_hour,
            "max_service_cap": row.max_service_cap}


@router.put("/villages/{village_id}/service-bounds")
def set_service_bounds(village_id: Id, body: ServiceBoundsUpdate, actor: ActorDep, session: SessionDep) -> dict:
    """The town admin sets how far the village's officials may raise service points (per hour, a month)."""
    row = policy.set_bounds(session, actor=actor, village_id=village_for(actor, village_id),
                            max_points_per_hour=body.max_points_per_hour, max_service_cap=body.max_service_cap)
    session.commit()
    return {"village_id": village_id, "max_points_per_hour": row.max_points_per_hour,
            "max_service_cap": row.max_service_cap}


@router.post("/points/awards/{award_id}/reversal", status_code=201, response_model=ReversalPublic)
def reverse(award_id: Id, body: ReversalCreate, actor: ActorDep, session: SessionDep,
            idempotency_key: IdempotencyKey = None) -> ReversalPublic:
    result = service.reverse_credit(session, actor=actor, transaction_id=award_id, reason=body.reason,
                                   idempotency_key=idempotency_key)
    session.commit()
    return result
