"""The county's tree and who runs it (issue #17): townships, villages and 村民小组 made and renamed, staff appointed
and removed. Who may do what where is decided in app/org/access.py (UNIT_MAKERS, APPOINTERS)."""

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.audit.service import record_action
from app.errors import Conflict, NotFound, ValidationFailed
from app.idempotency import create_once
from app.org.access import Actor, refuse_self
from app.org.models import (
    ORG_UNIT_TARGET,
    ROLE_LABELS,
    USER_TARGET,
    OrgAction,
    OrgKind,
    OrgUnit,
    Role,
    RoleAssignment,
    User,
)
from app.org.passwords import NewPassword
from app.org.service import clean_phone
from app.org.starters import start_village
from app.shop.catalogue.service import add_shop_staff, drop_shop_staff, staff_shops
from app.shop.models import Shop
from app.text import clean_text

MAX_UNIT_NAME = 100


def _audit_village(unit: OrgUnit) -> int | None:
    """The village an audit line about `unit` belongs to (a village's own, or its group's), else None."""
    if unit.kind == OrgKind.village:
        return unit.id
    return unit.parent_id if unit.kind == OrgKind.group else None


def create_unit(session: Session, *, actor: Actor, kind: str, name: str, parent: OrgUnit,
                idempotency_key: str | None = None) -> OrgUnit:
    """Make a township, village or 村民小组 under `parent` (from `access.parent_for_new_unit`); with a key, once
    however often the form is sent (a double tap makes one township)."""
    name = clean_text(name, label="名称", max_length=MAX_UNIT_NAME, field="name")
    return create_once(session, scope=f"user:{actor.id}:org_unit.create", key=idempotency_key,
                       payload={"kind": kind, "name": name, "parent_id": parent.id}, model=OrgUnit,
                       action=lambda: _create_unit(session, actor=actor, kind=kind, name=name, parent=parent))


def _create_unit(session: Session, *, actor: Actor, kind: str, name: str, parent: OrgUnit) -> OrgUnit:
    unit = OrgUnit(kind=kind, name=name, parent_id=parent.id)
    session.add(unit)
    session.flush()
    record_action(session, actor_id=actor.id, action=OrgAction.unit_create, village_id=_audit_village(unit),
                  target_type=ORG_UNIT_TARGET, target_id=unit.id, target_label=unit.name,
                  detail={"kind": unit.kind, "parent_id": parent.id, "parent": parent.name})
    start_village(session, unit, actor.id)  # a village starts with the domains' defaults (app/org/starters.py)
    return unit


def rename_unit(session: Session, *, actor: Actor, unit: OrgUnit, name: str) -> OrgUnit:
    """Rename a unit (from `access.renamable_unit`)."""
    before = unit.name
    unit.name = clean_text(name, label="名称", max_length=MAX_UNIT_NAME, field="name")
    session.add(unit)
    record_action(session, actor_id=actor.id, action=OrgAction.unit_rename, village_id=_audit_village(unit),
                  target_type=ORG_UNIT_TARGET, target_id=unit.id, target_label=unit.name,
                  detail={"before": before, "after": unit.name})
    return unit


def unit_children(session: Session, *, unit: OrgUnit) -> list[OrgUnit]:
    return list(session.exec(select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.id)))


@dataclass(frozen=True)
class Appointment:
    user: User
    assignment: RoleAssignment
    created: bool  # a new user: the one-time password is theirs


def appoint(session: Session, *, actor: Actor, unit: OrgUnit, role: str, phone: str, name: str,
            shop_id: int | None, password: NewPassword) -> Appointment:
    """Give `role` on `unit` (from `access.staffed_unit`) to the user of `phone`: an existing user keeps what they
    were and gains the role; a new phone gets a user with `password` (a one-time one, hashed beforehand) that must be
    changed at the first sign-in. An attendant also joins `shop_id`, a shop of the village."""
    phone = clean_phone(phone) or ""
    if not phone:
        raise ValidationFailed("请填写手机号", field="phone")
    shop = _shop_for(session, unit=unit, role=role, shop_id=shop_id)
    user = session.exec(select(User).where(User.phone == phone)).first()
    created = user is None
    if user is None:
        user = _new_user(session, phone=phone, name=name, password=password)
    return grant_role(session, actor=actor, unit=unit, role=role, user=user, shop=shop, created=created)


def grant_role(session: Session, *, actor: Actor, unit: OrgUnit, role: str, user: User, shop: Shop | None = None,
               created: bool = False, detail: dict | None = None) -> Appointment:
    """Give an existing `user` `role` on `unit` (an appointment, or an approved 志愿者注册): never oneself, never
    twice; one audit line (`detail` adds to it)."""
    refuse_self(actor, user.id)
    if not user.active:
        raise Conflict(f"{user.name}的账号已停用")
    if _assignment(session, user_id=user.id, role=role, unit=unit) is not None:  # type: ignore[arg-type]
        raise Conflict(f"{user.name}已经是{unit.name}的{ROLE_LABELS[Role(role)]}")
    assignment = RoleAssignment(user_id=user.id, role=role, org_id=unit.id)
    session.add(assignment)
    if shop is not None:
        add_shop_staff(session, shop=shop, user_id=user.id)  # type: ignore[arg-type]
    _flush_once(session, f"{user.name}已经是{unit.name}的{ROLE_LABELS[Role(role)]}")
    record_action(session, actor_id=actor.id, action=OrgAction.staff_appoint, village_id=_audit_village(unit),
                  target_type=USER_TARGET, target_id=user.id, target_label=user.name,
                  detail={"role": role, "org_id": unit.id, "unit": unit.name, "new_user": created,
                          **({"shop_id": shop.id} if shop is not None else {}), **(detail or {})})
    return Appointment(user=user, assignment=assignment, created=created)


def remove_staff(session: Session, *, actor: Actor, unit: OrgUnit, user_id: int, role: str) -> None:
    """End `role` on `unit` for a user (from `access.staffed_unit`): what they did stays on record, and their
    sessions end at once (the token version moves on)."""
    user = session.get(User, user_id)
    assignment = _assignment(session, user_id=user_id, role=role, unit=unit)
    if user is None or assignment is None:
        raise NotFound(f"{unit.name}没有这位{ROLE_LABELS[Role(role)]}")
    session.delete(assignment)
    if role == Role.attendant:
        drop_shop_staff(session, village_id=unit.id, user_id=user_id)  # type: ignore[arg-type]
    user.token_version += 1
    session.add(user)
    record_action(session, actor_id=actor.id, action=OrgAction.staff_remove, village_id=_audit_village(unit),
                  target_type=USER_TARGET, target_id=user.id, target_label=user.name,
                  detail={"role": role, "org_id": unit.id, "unit": unit.name})


@dataclass(frozen=True)
class StaffMember:
    user: User
    role: str
    shop_id: int | None


def list_staff(session: Session, *, unit: OrgUnit) -> list[StaffMember]:
    """Everyone holding a role on the unit but that of a plain villager, by role and name."""
    rows = session.exec(select(RoleAssignment, User).join(User, User.id == RoleAssignment.user_id)
                        .where(RoleAssignment.org_id == unit.id, RoleAssignment.role != Role.villager)
                        .order_by(RoleAssignment.role, User.id))
    shops = staff_shops(session, village_id=unit.id) if unit.kind == OrgKind.village else {}
    return [StaffMember(user=user, role=a.role, shop_id=shops.get(user.id) if a.role == Role.attendant else None)
            for a, user in rows]


def _shop_for(session: Session, *, unit: OrgUnit, role: str, shop_id: int | None) -> Shop | None:
    if role != Role.attendant:
        if shop_id is not None:
            raise ValidationFailed("只有超市管理员要选超市", field="shop_id")
        return None
    if shop_id is None:
        raise ValidationFailed("请选择超市", field="shop_id")
    shop = session.get(Shop, shop_id)
    if shop is None or shop.village_id != unit.id:
        raise NotFound("找不到该超市")
    return shop


def _new_user(session: Session, *, phone: str, name: str, password: NewPassword) -> User:
    user = User(name=clean_text(name, label="姓名", max_length=50, field="name"), phone=phone,
                password_hash=password.hash, must_change_password=True)
    session.add(user)
    _flush_once(session, "该手机号刚被登记，请重试")
    return user


def _assignment(session: Session, *, user_id: int, role: str, unit: OrgUnit) -> RoleAssignment | None:
    return session.exec(select(RoleAssignment).where(RoleAssignment.user_id == user_id, RoleAssignment.role == role,
                                                     RoleAssignment.org_id == unit.id)).first()


def _flush_once(session: Session, message: str) -> None:
    """Flush, turning a race on a unique row (the phone, the role) into a conflict."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(message) from exc



def village_shops(session: Session, *, unit: OrgUnit) -> list[Shop]:
    """The shops of a village (an attendant is appointed to one of them); none for other units."""
    if unit.kind != OrgKind.village:
        return []
    return list(session.exec(select(Shop).where(Shop.village_id == unit.id).order_by(Shop.id)))
