"""A real county's start (`python -m app create-admin`): its org tree and its first administrator — never the demo.

Everything here may run again with the same input and changes nothing the second time; what would be a mistake (a
second county, a second county admin, a phone already in use) is refused with a sentence saying what to do."""

import re
from dataclasses import dataclass

from sqlmodel import Session, select

from app.errors import DomainError, ValidationFailed
from app.org.models import OrgKind, OrgUnit, Role, RoleAssignment, User
from app.org.service import check_password, clean_phone
from app.org.starters import start_village
from app.text import clean_text

ADMIN_ROLES = (Role.county_admin, Role.town_admin, Role.official)  # who can set the rest of the county up
ADMIN_MIN_PASSWORD = 12
_SEPARATORS = re.compile(r"[,，、;；\s]+")


class SetupRefused(DomainError):
    status_code, code, message = 409, "setup_refused", "无法完成初始化"


def has_admin(session: Session) -> bool:
    """Whether anyone can sign in to run the county: an active county admin, town admin or village official."""
    found = (select(RoleAssignment.id).join(User, User.id == RoleAssignment.user_id)
             .where(RoleAssignment.role.in_(ADMIN_ROLES), User.active).limit(1))
    return session.exec(found).first() is not None


def check_admin_password(password: str | None, *, phone: str) -> str:
    """An administrator's password: at least 12 characters, of at least two kinds (letters, digits, others), and
    not the phone number."""
    password = check_password(password)
    kinds = sum(any(test(ch) for ch in password) for test in (str.isalpha, str.isdigit,
                                                               lambda ch: not ch.isalnum()))
    if len(password) < ADMIN_MIN_PASSWORD or kinds < 2 or phone in password:
        raise ValidationFailed(f"管理员密码至少 {ADMIN_MIN_PASSWORD} 位，要有字母和数字（或符号），不能含手机号")
    return password


def parse_tree(text: str) -> dict[str, list[str]]:
    """Townships and their villages from lines like `清河镇：示范村、邻村` (# starts a comment)."""
    tree: dict[str, list[str]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        township, colon, villages = line.replace("：", ":").partition(":")
        if not colon:
            raise ValidationFailed(f"第 {number} 行应写成“乡镇：村、村”")
        name = clean_text(township, label="乡镇名称", max_length=100)
        tree.setdefault(name, []).extend(clean_text(v, label="村名称", max_length=100)
                                         for v in _SEPARATORS.split(villages) if v.strip())
    return tree


def ensure_county(session: Session, *, name: str, tree: dict[str, list[str]]) -> OrgUnit:
    """The county with these townships and villages (the ones already there are kept as they are). A database
    holds one county: another name is refused, so that a typo does not start a second one."""
    name = clean_text(name, label="县名称", max_length=100)
    counties = list(session.exec(select(OrgUnit).where(OrgUnit.kind == OrgKind.county)))
    others = [c.name for c in counties if c.name != name]
    if others:
        raise SetupRefused(f"数据库里已经有县“{others[0]}”，不能再建“{name}”")
    county = counties[0] if counties else _unit(session, OrgKind.county, name, None)
    for township_name, villages in tree.items():
        township = _unit(session, OrgKind.township, township_name, county.id)
        for village in villages:
            _unit(session, OrgKind.village, village, township.id, start=True)
    return county


def find_unit(session: Session, county: OrgUnit, path: str) -> OrgUnit:
    """The county itself (empty path), a township (`清河镇`) or a village (`清河镇/示范村`)."""
    unit = county
    for part in [p.strip() for p in path.split("/") if p.strip()]:
        unit = session.exec(select(OrgUnit).where(OrgUnit.parent_id == unit.id, OrgUnit.name == part)).first()
        if unit is None:
            raise SetupRefused(f"找不到“{path}”，请先在组织文件里写上它")
    return unit


ROLE_FOR_KIND = {OrgKind.county: Role.county_admin, OrgKind.township: Role.town_admin, OrgKind.village: Role.official}


@dataclass(frozen=True)
class AdminResult:
    user: User
    created: bool


def appoint_admin(session: Session, *, unit: OrgUnit, phone: str, name: str, password_hash: str,
                  another: bool = False) -> AdminResult:
    """The first administrator of `unit` (county admin, town admin or village official by its level), with a
    password hashed beforehand. Again with the same phone: nothing changes. A second one needs `another`."""
    phone = clean_phone(phone) or ""
    if not phone:
        raise ValidationFailed("请填写手机号")
    role = ROLE_FOR_KIND[OrgKind(unit.kind)]
    user = session.exec(select(User).where(User.phone == phone)).first()
    held = select(RoleAssignment).where(RoleAssignment.role == role, RoleAssignment.org_id == unit.id)
    if user is not None:
        if session.exec(held.where(RoleAssignment.user_id == user.id)).first() is not None:
            return AdminResult(user=user, created=False)
        raise SetupRefused(f"手机号 {phone} 已被“{user.name}”使用")
    if not another and session.exec(held).first() is not None:
        raise SetupRefused(f"“{unit.name}”已经有管理员；确需再加一位，请加 --another")
    user = User(name=clean_text(name, label="姓名", max_length=50), phone=phone, password_hash=password_hash)
    session.add(user)
    session.flush()
    session.add(RoleAssignment(user_id=user.id, role=role, org_id=unit.id))
    session.flush()
    return AdminResult(user=user, created=True)


def _unit(session: Session, kind: OrgKind, name: str, parent_id: int | None, *, start: bool = False) -> OrgUnit:
    """The unit of that name there, made if missing; a village made here with `start` gets the domains' defaults
    (app/org/starters.py)."""
    unit = session.exec(select(OrgUnit).where(OrgUnit.kind == kind, OrgUnit.name == name,
                                              OrgUnit.parent_id == parent_id)).first()
    if unit is None:
        unit = OrgUnit(kind=kind, name=name, parent_id=parent_id)
        session.add(unit)
        session.flush()
        if start:
            start_village(session, unit, None)
    return unit
