"""Households and members (JSON)."""

from fastapi import APIRouter, Query

from app.deps import ActorDep, IdempotencyKey, SessionDep
from app.ids import Id
from app.ledger.service import household_balance
from app.org import passwords, service
from app.org.access import VILLAGE_STAFF, managed_household, member_of, resettable_member, visible_household
from app.org.models import (
    Deactivation,
    Household,
    HouseholdCreate,
    HouseholdPublic,
    HouseholdSummary,
    HouseholdUpdate,
    MemberCreate,
    MemberPublic,
    MemberUpdate,
    PasswordReset,
    User,
)
from app.paging import Page

router = APIRouter(tags=["households"])


def household_public(session, household: Household) -> HouseholdPublic:
    members = service.household_members(session, household=household)
    return HouseholdPublic(id=household.id, village_id=household.village_id, head_name=household.head_name,
                           address=household.address, balance=household_balance(session, household_id=household.id),
                           members=[member_public(m) for m in members])


def member_public(user: User) -> MemberPublic:
    return MemberPublic(id=user.id, name=user.name, phone=user.phone, active=user.active,
                        must_change_password=user.must_change_password)


@router.get("/households")
def list_households(actor: ActorDep, session: SessionDep, q: str | None = None, limit: int | None = Query(None),
                    cursor: str | None = None) -> dict:
    actor.require_any(VILLAGE_STAFF)
    page: Page = service.search_households(session, actor=actor, q=q, limit=limit, cursor=cursor)
    items = [HouseholdSummary(id=h.id, village_id=h.village_id, head_name=h.head_name, address=h.address,
                              balance=balance) for h, balance in page.items]
    return {"items": items, "next_cursor": page.next_cursor}


@router.post("/households", status_code=201, response_model=HouseholdPublic)
def create_household(body: HouseholdCreate, actor: ActorDep, session: SessionDep,
                     idempotency_key: IdempotencyKey = None) -> HouseholdPublic:
    household = service.create_household(session, actor=actor, head_name=body.head_name, address=body.address,
                                         members=body.members, village_id=body.village_id,
                                         idempotency_key=idempotency_key)
    result = household_public(session, household)
    session.commit()
    return result


@router.get("/households/{household_id}", response_model=HouseholdPublic)
def get_household(household_id: Id, actor: ActorDep, session: SessionDep) -> HouseholdPublic:
    return household_public(session, visible_household(session, actor, household_id))


@router.patch("/households/{household_id}", response_model=HouseholdPublic)
def update_household(household_id: Id, body: HouseholdUpdate, actor: ActorDep, session: SessionDep
                     ) -> HouseholdPublic:
    household = managed_household(session, actor, household_id)
    service.update_household(session, actor=actor, household=household, head_name=body.head_name,
                             address=body.address)
    result = household_public(session, household)
    session.commit()
    return result


@router.post("/households/{household_id}/members", status_code=201, response_model=MemberPublic)
def add_member(household_id: Id, body: MemberCreate, actor: ActorDep, session: SessionDep,
               idempotency_key: IdempotencyKey = None) -> MemberPublic:
    household = managed_household(session, actor, household_id)
    user = service.add_member(session, actor=actor, household=household, name=body.name, phone=body.phone,
                              password=body.password, idempotency_key=idempotency_key)
    session.commit()
    return member_public(user)


@router.patch("/households/{household_id}/members/{user_id}", response_model=MemberPublic)
def update_member(household_id: Id, user_id: Id, body: MemberUpdate, actor: ActorDep, session: SessionDep
                  ) -> MemberPublic:
    household = managed_household(session, actor, household_id)
    user = service.update_member(session, actor=actor, household=household,
                                 member=member_of(session, household, user_id), name=body.name, phone=body.phone)
    session.commit()
    return member_public(user)


@router.post("/households/{household_id}/members/{user_id}/deactivate", response_model=MemberPublic)
def deactivate_member(household_id: Id, user_id: Id, body: Deactivation, actor: ActorDep, session: SessionDep
                      ) -> MemberPublic:
    household = managed_household(session, actor, household_id)
    user = service.deactivate_member(session, actor=actor, household=household,
                                     member=member_of(session, household, user_id), reason=body.reason)
    session.commit()
    return member_public(user)


@router.post("/households/{household_id}/members/{user_id}/password", response_model=MemberPublic)
def reset_password(household_id: Id, user_id: Id, body: PasswordReset, actor: ActorDep, session: SessionDep
                   ) -> MemberPublic:
    """A one-time password: officials for plain villagers, the town admin for members holding a staff role."""
    password = passwords.prepare_password(body.password)  # argon2 before the first query
    household = visible_household(session, actor, household_id)
    member, role = resettable_member(session, actor, household, user_id)
    user = passwords.reset_password(session, actor=actor, role=role, household=household, member=member,
                                    password=password)
    session.commit()
    return member_public(user)
