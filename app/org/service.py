"""Households and members: the rules officials work under (password resets: passwords.py)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, insert, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.audit.service import record_action
from app.errors import DuplicatePhone, ValidationFailed
from app.idempotency import create_once
from app.ledger.accounts import open_household_accounts
from app.ledger.models import Account
from app.org.access import VILLAGE_STAFF, Actor, in_villages, registering_village
from app.org.models import (
    HOUSEHOLD_TARGET,
    USER_TARGET,
    Household,
    MemberCreate,
    OrgAction,
    OrgUnit,
    Role,
    RoleAssignment,
    User,
)
from app.paging import Page, page_desc
from app.security import hash_password
from app.text import clean_reason, clean_text
from app.timeutil import utcnow

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
MIN_PASSWORD, MAX_PASSWORD = 8, 128


def clean_phone(phone: str | None) -> str | None:
    """A mainland mobile number (11 digits, 13x–19x), or None when left empty."""
    if phone is None or not phone.strip():
        return None
    phone = phone.strip().replace(" ", "").replace("-", "")
    if not PHONE_RE.match(phone):
        raise ValidationFailed("手机号格式不正确，应为 11 位大陆手机号")
    return phone


def check_password(password: str | None) -> str:
    if not password or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValidationFailed(f"密码长度应为 {MIN_PASSWORD} 到 {MAX_PASSWORD} 位")
    return password


def _ensure_phone_free(session: Session, phone: str | None, *, except_user: int | None = None) -> None:
    if phone is None:
        return
    taken = session.exec(select(User.id).where(User.phone == phone)).first()
    if taken is not None and taken != except_user:
        raise DuplicatePhone()


def _flush_unique(session: Session) -> None:
    """Flush, turning a unique-phone race into the same error as the early check."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise DuplicatePhone() from exc


def create_household(
    session: Session, *, actor: Actor, head_name: str, address: str, members: list[MemberCreate],
    village_id: int | None = None, idempotency_key: str | None = None, member_numbers: list[int] | None = None,
) -> Household:
    """Register a household with its members (those with a phone can log in) and open its points account; with a
    key, once however often the form is sent. A refusal about a member names them by number and name ("成员 2 孙小梅
    的密码至少 8 位") and the field (`member.2.password`): the numbers are the members' places in the list, or
    `member_numbers` — the numbers the form showed (a form may leave rows empty)."""
    village_id = registering_village(actor, village_id)
    head = clean_text(head_name, label="户主姓名", max_length=50, field="head_name")
    where = clean_text(address, label="住址", max_length=200, required=False, field="address")
    numbers = member_numbers or list(range(1, len(members) + 1))
    prepared = _prepare_members(members, numbers=numbers)  # before the database: argon2 holds no lock
    payload = {"village_id": village_id, "head_name": head_name, "address": address,
               "members": [[m.name, m.phone] for m in members]}  # never a password, not even hashed
    return create_once(session, scope=f"user:{actor.id}:household.create", key=idempotency_key, payload=payload,
                       model=Household, action=lambda: _create_household(session, actor=actor, village_id=village_id,
                                                                          head_name=head, address=where,
                                                                          members=prepared))


@dataclass(frozen=True)
class _Member:
    """A member as typed, checked. `number` is their place on the form (None when added alone): the refusals name
    them by it ("成员 2 孙小梅 的密码至少 8 位") and by the field (`member.2.password`)."""

    name: str
    phone: str | None
    password: str | None
    number: int | None

    @property
    def who(self) -> str:
        return f"成员 {self.number} {self.name} " if self.number else self.name


@dataclass(frozen=True)
class _NewMember:
    """A member checked, their password already hashed: ready to be written."""

    member: _Member
    password_hash: str | None

    @property
    def name(self) -> str:
        return self.member.name

    @property
    def phone(self) -> str | None:
        return self.member.phone


def _prepare_members(members: list[MemberCreate], *, numbers: list[int | None]) -> list[_NewMember]:
    """Check names, phones and passwords, then hash the passwords — argon2's slow part — before the database is
    touched, so no writer waits on it. Every refusal says which member and which field."""
    checked = [_check_member(m, number) for m, number in zip(members, numbers, strict=True)]
    first_with: dict[str, _Member] = {}
    for member in checked:
        if member.phone in first_with:
            earlier = first_with[member.phone].who.strip()
            raise ValidationFailed(f"{member.who}的手机号与{earlier}相同，每人的手机号不能重复",
                                   field=_field(member.number, "phone"))
        if member.phone:
            first_with[member.phone] = member
    return [_NewMember(member=m, password_hash=hash_password(m.password) if m.password else None) for m in checked]


def _check_member(member: MemberCreate, number: int | None) -> _Member:
    name = clean_text(member.name, label=f"成员 {number} 的姓名" if number else "成员姓名", max_length=50,
                      field=_field(number, "name"))
    checked = _Member(name=name, phone=None, password=None, number=number)
    try:
        phone = clean_phone(member.phone)
    except ValidationFailed as exc:
        raise ValidationFailed(f"{checked.who}的{exc.message}", field=_field(number, "phone")) from exc
    if phone is None:
        return checked
    password = member.password or ""
    if MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return _Member(name=name, phone=phone, password=password, number=number)
    if not password:
        message = f"{checked.who}有手机号，请设一个至少 {MIN_PASSWORD} 位的初始密码"
    elif len(password) < MIN_PASSWORD:
        message = f"{checked.who}的密码至少 {MIN_PASSWORD} 位"
    else:
        message = f"{checked.who}的密码不能超过 {MAX_PASSWORD} 位"
    raise ValidationFailed(message, field=_field(number, "password"))


def _field(number: int | None, name: str) -> str:
    return f"member.{number}.{name}" if number else name


def _create_household(session: Session, *, actor: Actor, village_id: int, head_name: str, address: str,
                      members: list[_NewMember]) -> Household:
    for member in members:
        _ensure_member_phone_free(session, member)
    people = [NewPerson(name=m.name, phone=m.phone, password_hash=m.password_hash) for m in members]
    (household_id,) = insert_households(session, village_id=village_id, households=[
        NewHousehold(head_name=head_name, address=address, group_id=None, members=people)])
    household = session.get(Household, household_id)
    record_action(session, actor_id=actor.id, action=OrgAction.household_create, village_id=village_id,
                  target_type=HOUSEHOLD_TARGET, target_id=household_id, target_label=head_name,
                  detail={"head_name": head_name, "members": len(members)})
    return household  # type: ignore[return-value]


@dataclass(frozen=True)
class NewPerson:
    """A member checked and ready to be written (with a phone and a password hash, they can sign in)."""

    name: str
    phone: str | None
    password_hash: str | None = None
    relation: str = ""  # 与户主关系


@dataclass(frozen=True)
class NewHousehold:
    """A household checked and ready to be written: its head, address, 村民小组 and members."""

    head_name: str
    address: str
    group_id: int | None
    members: list[NewPerson]


# Rows written in bulk go as one batch: a None (a member without a phone) is written as NULL instead of leaving the
# column out, which would split the rows into a batch per change (measured: 3,333 statements for 5,000 members).
ONE_BATCH = {"render_nulls": True}


def insert_households(session: Session, *, village_id: int, households: list[NewHousehold]) -> list[int]:
    """Write checked households with their members, each a villager of the village, and open their points accounts
    — four statements however many there are: the one path that adds households, one at a time (create_household)
    or a roster's thousands (app/org/roster.py). A phone taken meanwhile is refused (DuplicatePhone) and, the route
    not committing, nothing stays. Returns the households' ids, in order."""
    now = utcnow()
    ids = list(session.scalars(insert(Household).returning(Household.id, sort_by_parameter_order=True), [
        {"village_id": village_id, "head_name": h.head_name, "address": h.address, "group_id": h.group_id,
         "created_at": now} for h in households], execution_options=ONE_BATCH))
    people = [{"name": p.name, "phone": p.phone, "password_hash": p.password_hash, "relation": p.relation,
               "household_id": household_id, "active": True, "token_version": 0,
               "must_change_password": p.password_hash is not None,  # an official's choice: one-time (#17)
               "created_at": now} for household_id, h in zip(ids, households, strict=True) for p in h.members]
    if people:
        try:
            user_ids = list(session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), people,
                                            execution_options=ONE_BATCH))
        except IntegrityError as exc:
            raise DuplicatePhone() from exc
        session.execute(insert(RoleAssignment), [{"user_id": user_id, "role": Role.villager, "org_id": village_id}
                                                 for user_id in user_ids])
    heads = [(household_id, h.head_name) for household_id, h in zip(ids, households, strict=True)]
    open_household_accounts(session, village_id=village_id, households=heads)
    return ids


def _ensure_member_phone_free(session: Session, member: _NewMember) -> None:
    try:
        _ensure_phone_free(session, member.phone)
    except DuplicatePhone as exc:
        raise DuplicatePhone(f"{member.member.who}的手机号已被使用",
                             field=_field(member.member.number, "phone")) from exc


def _new_member(session: Session, *, household: Household, member: _NewMember) -> User:
    _ensure_member_phone_free(session, member)
    # A password an official chose is a one-time one: the member changes it at the first sign-in (issue #17).
    user = User(name=member.name, phone=member.phone, password_hash=member.password_hash, household_id=household.id,
                must_change_password=member.password_hash is not None)
    session.add(user)
    _flush_unique(session)
    session.add(RoleAssignment(user_id=user.id, role=Role.villager, org_id=household.village_id))
    return user


def add_member(session: Session, *, actor: Actor, household: Household, name: str, phone: str | None,
               password: str | None, idempotency_key: str | None = None) -> User:
    """Add a member to a household; with a phone and password they can log in. With a key, once."""
    (member,) = _prepare_members([MemberCreate(name=name, phone=phone, password=password)], numbers=[None])
    return create_once(session, scope=f"user:{actor.id}:member.create", key=idempotency_key,
                       payload={"household_id": household.id, "name": name, "phone": phone}, model=User,
                       action=lambda: _add_member(session, actor=actor, household=household, member=member))


def _add_member(session: Session, *, actor: Actor, household: Household, member: _NewMember) -> User:
    user = _new_member(session, household=household, member=member)
    record_action(session, actor_id=actor.id, action=OrgAction.member_create, village_id=household.village_id,
                  target_type=USER_TARGET, target_id=user.id, target_label=user.name,
                  detail={"household_id": household.id, "household": household.head_name})
    return user


def update_household(session: Session, *, actor: Actor, household: Household, head_name: str | None,
                     address: str | None) -> Household:
    """Change a household's head name or address."""
    before = {"head_name": household.head_name, "address": household.address}
    if head_name is not None:
        household.head_name = clean_text(head_name, label="户主姓名", max_length=50)
    if address is not None:
        household.address = clean_text(address, label="住址", max_length=200, required=False)
    session.add(household)
    record_action(session, actor_id=actor.id, action=OrgAction.household_update, village_id=household.village_id,
                  target_type=HOUSEHOLD_TARGET, target_id=household.id, target_label=household.head_name,
                  detail={"before": before, "after": {"head_name": household.head_name, "address": household.address}})
    return household


def update_member(session: Session, *, actor: Actor, household: Household, member: User, name: str | None,
                  phone: str | None) -> User:
    """Change a member's name or phone number."""
    before = {"name": member.name, "phone": member.phone}
    if name is not None:
        member.name = clean_text(name, label="成员姓名", max_length=50)
    if phone is not None:
        new_phone = clean_phone(phone)
        if new_phone is None:
            raise ValidationFailed("请填写手机号")
        _ensure_phone_free(session, new_phone, except_user=member.id)
        if member.password_hash is None and new_phone != member.phone:
            raise ValidationFailed("该成员还没有密码，请先重置密码")
        member.phone = new_phone
    session.add(member)
    _flush_unique(session)
    record_action(session, actor_id=actor.id, action=OrgAction.member_update, village_id=household.village_id,
                  target_type=USER_TARGET, target_id=member.id, target_label=member.name,
                  detail={"before": before, "after": {"name": member.name, "phone": member.phone}})
    return member


def deactivate_member(session: Session, *, actor: Actor, household: Household, member: User, reason: str) -> User:
    """Stop a member from logging in (moved away, deceased…); their history stays."""
    reason = clean_reason(reason)
    member.active = False
    member.token_version += 1
    session.add(member)
    record_action(session, actor_id=actor.id, action=OrgAction.member_deactivate, village_id=household.village_id,
                  target_type=USER_TARGET, target_id=member.id, target_label=member.name, reason=reason)
    return member


def household_members(session: Session, *, household: Household) -> list[User]:
    return list(session.exec(select(User).where(User.household_id == household.id).order_by(User.id)))


def search_households(session: Session, *, actor: Actor, q: str | None, limit: int | None,
                      cursor: str | None) -> Page:
    """Households of the villages the actor manages, matching head name, member name, phone or address."""
    stmt = in_villages(select(Household, Account.balance).join(Account, Account.household_id == Household.id),
                       actor, Household.village_id, VILLAGE_STAFF)
    if q and q.strip():
        like = f"%{q.strip()}%"
        members = select(User.household_id).where(or_(User.name.like(like), User.phone.like(like)))
        stmt = stmt.where(or_(Household.head_name.like(like), Household.address.like(like),
                              Household.id.in_(members)))
    return page_desc(session, stmt, Household.id, limit=limit, cursor=cursor)


def village_name(session: Session, village_id: int | None) -> str:
    unit = session.get(OrgUnit, village_id) if village_id else None
    return unit.name if unit else ""


def count_households(session: Session, *, village_id: int) -> int:
    return session.exec(select(func.count()).select_from(Household).where(Household.village_id == village_id)).one()


def mask_name(name: str) -> str:
    """王建国 → 王*国, 王五 → 王*: what a queue behind the villager may read."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13800000004 → 138****0004: a phone number for someone who may know it is there, not call it."""
    return phone[:3] + "*" * max(0, len(phone) - 7) + phone[-4:] if len(phone) > 7 else "*" * len(phone)
def shown_name(reader: Actor | None, *, name: str, household_id: int | None = None, user_id: int | None = None
               ) -> str:
    """A name on a page everyone may read (a board, 积分公示, the pay-code screen): masked (王*国), except to the
    reader themselves — their own household's name (`household_id`) or their own (`user_id`) in full."""
    if reader is not None and ((household_id is not None and reader.user.household_id == household_id)
                               or (user_id is not None and reader.id == user_id)):
        return name
    return mask_name(name)


def name_for(reader: Actor | None, *, head_name: str, household_id: int, village_id: int) -> str:
    """A household's name as this reader may read it: in full for the household's own members and for those who
    run its village (officials, and the town and county admins over it); masked (王*国) for everyone else —
    attendants, volunteers, committee members, other villagers — and when no one in particular reads it (None)."""
    if reader is not None and reader.can(village_id, VILLAGE_STAFF):
        return head_name
    return shown_name(reader, name=head_name, household_id=household_id)


def villages_named(session: Session, *, village_ids: Iterable[int]) -> list[tuple[int, str]]:
    """(id, name) of these villages, by name: the villages a county or town admin may pick from."""
    ids = sorted(village_ids)
    return [(unit.id, unit.name) for unit in session.exec(select(OrgUnit).where(OrgUnit.id.in_(ids))
                                                             .order_by(OrgUnit.name, OrgUnit.id))]  # type: ignore[misc]
