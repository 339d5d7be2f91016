"""The county's tree and its staff (JSON): townships, villages and 村民小组; who holds which role where."""

from fastapi import APIRouter, Response

from app.deps import ActorDep, IdempotencyKey, SessionDep
from app.ids import Id
from app.org import passwords, units
from app.org.access import parent_for_new_unit, renamable_unit, staff_list_unit, staffed_unit, visible_unit
from app.org.models import (
    OrgUnit,
    OrgUnitCreate,
    OrgUnitDetail,
    OrgUnitPublic,
    OrgUnitRename,
    Role,
    StaffAppointed,
    StaffCreate,
    StaffPublic,
)

router = APIRouter(tags=["org-units"])


def unit_public(unit: OrgUnit) -> OrgUnitPublic:
    return OrgUnitPublic(id=unit.id, kind=unit.kind, name=unit.name, parent_id=unit.parent_id)


@router.post("/org-units", status_code=201, response_model=OrgUnitPublic)
def create_unit(body: OrgUnitCreate, actor: ActorDep, session: SessionDep,
                idempotency_key: IdempotencyKey = None) -> OrgUnitPublic:
    parent = parent_for_new_unit(session, actor, kind=body.kind, parent_id=body.parent_id)
    unit = units.create_unit(session, actor=actor, kind=body.kind, name=body.name, parent=parent,
                             idempotency_key=idempotency_key)
    result = unit_public(unit)
    session.commit()
    return result


@router.get("/org-units/{unit_id}", response_model=OrgUnitDetail)
def get_unit(unit_id: Id, actor: ActorDep, session: SessionDep) -> OrgUnitDetail:
    unit = visible_unit(session, actor, unit_id)
    children = [unit_public(child) for child in units.unit_children(session, unit=unit)]
    return OrgUnitDetail(**unit_public(unit).model_dump(), children=children)


@router.patch("/org-units/{unit_id}", response_model=OrgUnitPublic)
def rename_unit(unit_id: Id, body: OrgUnitRename, actor: ActorDep, session: SessionDep) -> OrgUnitPublic:
    unit = units.rename_unit(session, actor=actor, unit=renamable_unit(session, actor, unit_id), name=body.name)
    result = unit_public(unit)
    session.commit()
    return result


@router.get("/org-units/{unit_id}/staff")
def list_staff(unit_id: Id, actor: ActorDep, session: SessionDep) -> dict[str, list[StaffPublic]]:
    unit = staff_list_unit(session, actor, unit_id)
    return {"items": [StaffPublic(user_id=s.user.id, name=s.user.name, phone=s.user.phone, role=s.role,
                                  shop_id=s.shop_id) for s in units.list_staff(session, unit=unit)]}


@router.post("/org-units/{unit_id}/staff", status_code=201, response_model=StaffAppointed,
             response_model_exclude_none=True)
def appoint_staff(unit_id: Id, body: StaffCreate, actor: ActorDep, session: SessionDep) -> StaffAppointed:
    one_time = passwords.one_time_password()
    password = passwords.prepare_password(one_time)  # argon2 before the first query
    unit = staffed_unit(session, actor, unit_id, role=body.role)
    done = units.appoint(session, actor=actor, unit=unit, role=body.role, phone=body.phone, name=body.name,
                         shop_id=body.shop_id, password=password)
    session.commit()
    return StaffAppointed(user_id=done.user.id, role=done.assignment.role, org_id=unit.id,
                          one_time_password=one_time if done.created else None)


@router.delete("/org-units/{unit_id}/staff/{user_id}", status_code=204)
def remove_staff(unit_id: Id, user_id: Id, role: Role, actor: ActorDep, session: SessionDep) -> Response:
    unit = staffed_unit(session, actor, unit_id, role=role, user_id=user_id)
    units.remove_staff(session, actor=actor, unit=unit, user_id=user_id, role=role)
    session.commit()
    return Response(status_code=204)
