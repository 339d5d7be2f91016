"""Funds (JSON, issue #17): 本级配套, 拨付, 社会捐赠, and each fund's figures and records."""

from fastapi import APIRouter

from app.deps import ActorDep, IdempotencyKey, SessionDep
from app.ids import Id
from app.ledger import funds
from app.ledger.fund_models import (
    AllocationCreate,
    BudgetCreate,
    DonationCreate,
    FundPublic,
    FundRateUpdate,
    FundRecordPublic,
)
from app.org.access import allocation_units, fund_unit, kept_fund_unit, rate_village, village_for

router = APIRouter(tags=["funds"])


@router.post("/funds/budgets", status_code=201, response_model=FundRecordPublic)
def book_budget(body: BudgetCreate, actor: ActorDep, session: SessionDep,
                idempotency_key: IdempotencyKey = None) -> FundRecordPublic:
    """What a level puts in itself (三级配套): the county admin for the county, a town admin for their township, an
    official for their village."""
    entry = funds.check_budget(org=kept_fund_unit(session, actor, body.org_id), year=body.year, points=body.points,
                               yuan=body.yuan, note=body.note)
    result = funds.post_entry(session, entry=entry, actor_id=actor.id, idempotency_key=idempotency_key)
    session.commit()
    return result


@router.post("/funds/allocations", status_code=201, response_model=FundRecordPublic)
def allocate(body: AllocationCreate, actor: ActorDep, session: SessionDep,
             idempotency_key: IdempotencyKey = None) -> FundRecordPublic:
    """拨付: the county admin from the county to a township or village of it, a town admin from their township to
    its villages; a fund never goes below zero (409 insufficient_points, naming the fund and what is left)."""
    source, target = allocation_units(session, actor, from_id=body.from_org_id, to_id=body.to_org_id)
    entry = funds.check_allocation(source=source, target=target, points=body.points, yuan=body.yuan,
                                   note=body.note, year=body.year)
    result = funds.post_entry(session, entry=entry, actor_id=actor.id, idempotency_key=idempotency_key)
    session.commit()
    return result


@router.post("/funds/donations", status_code=201, response_model=FundRecordPublic)
def donate(body: DonationCreate, actor: ActorDep, session: SessionDep,
           idempotency_key: IdempotencyKey = None) -> FundRecordPublic:
    """社会捐赠 into a level's fund, with the donor: booked by that level's own people."""
    entry = funds.check_donation(org=kept_fund_unit(session, actor, body.org_id), donor=body.donor,
                                 points=body.points, yuan=body.yuan, note=body.note, year=body.year)
    result = funds.post_entry(session, entry=entry, actor_id=actor.id, idempotency_key=idempotency_key)
    session.commit()
    return result


@router.get("/org-units/{unit_id}/fund", response_model=FundPublic)
def fund(unit_id: Id, actor: ActorDep, session: SessionDep) -> FundPublic:
    return funds.fund_figures(session, org=fund_unit(session, actor, unit_id))


@router.get("/org-units/{unit_id}/fund/records")
def fund_records(unit_id: Id, actor: ActorDep, session: SessionDep, limit: int | None = None,
                 cursor: str | None = None) -> dict[str, list[FundRecordPublic] | str | None]:
    page = funds.fund_records(session, org=fund_unit(session, actor, unit_id), limit=limit, cursor=cursor)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/villages/{village_id}/fund-rate")
def fund_rate(village_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    """What a point of the village stands for, in fen (100: 1 元)."""
    village = village_for(actor, village_id)
    return {"village_id": village, "fen_per_point": funds.fen_per_point(session, village_id=village)}


@router.put("/villages/{village_id}/fund-rate")
def set_fund_rate(village_id: Id, body: FundRateUpdate, actor: ActorDep, session: SessionDep) -> dict:
    village = rate_village(actor, village_id)
    fen = funds.set_fen_per_point(session, actor=actor, village_id=village, fen=body.fen_per_point)
    session.commit()
    return {"village_id": village, "fen_per_point": fen}
