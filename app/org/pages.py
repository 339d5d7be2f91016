"""Pages for officials: households — list and search, register, import a roster (花名册), detail, members."""

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import Session, col, select

from app.deps import ActorDep, HtmxDep, SessionDep
from app.errors import ValidationFailed
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.ledger import approvals
from app.ledger.history import household_history
from app.ledger.models import SOURCE_LABELS
from app.ledger.service import household_balance
from app.org import passwords, roster, service
from app.org.access import (
    HOUSEHOLD_REGISTRARS,
    OFFICIALS,
    ROSTER_KEEPERS,
    VILLAGE_STAFF,
    Actor,
    can_reset_password,
    managed_household,
    member_of,
    resettable_member,
    roster_village,
    staff_household,
    visible_household,
)
from app.org.models import ROLE_LABELS, Household, MemberCreate, Role, User
from app.org.service import clean_phone
from app.org.staff_pages import Slip, slip_page

router = APIRouter(prefix="/admin")
NEW_MEMBER_ROWS = 3
DONE_MESSAGES = {"award": "积分已发放",
                 "reverse": "已撤销该笔积分", "create": "农户已登记", "member": "成员已保存",
                 "password": "已设好一次性密码：请告诉该成员，他登录后要马上换成自己的新密码",
                 "deactivate": "该成员已停用", "edit": "已保存"}


@router.get("/households")
def households(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep, q: str = "",
               cursor: str | None = None, imported: Annotated[int, Query(ge=0, le=roster.MAX_ROWS)] = 0
               ) -> Response:
    actor.require_any(VILLAGE_STAFF)
    page = service.search_households(session, actor=actor, q=q, limit=20, cursor=cursor)
    villages = actor.villages(ROSTER_KEEPERS)
    return render(request, "org/households.html", {
        "tab": "admin", "q": q, "rows": page.items, "next_cursor": page.next_cursor,
        "done": f"已导入 {imported} 户" if imported else "",
        "export_village": next(iter(villages)) if len(villages) == 1 else None},
        htmx=htmx, partial="org/_household_rows.html")


@router.get("/households/import")
def roster_page(request: Request, actor: ActorDep, session: SessionDep, village_id: Id | None = None) -> Response:
    """花名册: download the template, check a filled one (先检查), then import it; export the village's."""
    village_id = roster_village(actor, village_id)
    return _roster_page(request, session, actor, village_id)


@router.post("/households/import")
def import_roster(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                  file: Annotated[UploadFile | None, File()] = None, village_id: Annotated[Id | None, Form()] = None,
                  step: Annotated[str, Form()] = "check") -> Response:
    """先检查 (step=check) writes nothing; 导入 (step=import) writes all the households or, with any problem, none."""
    village_id = roster_village(actor, village_id)
    dry_run = step != "import"
    try:
        rows = roster.read_roster(file.file.read(roster.MAX_BYTES + 1) if file is not None else b"")
        plan = roster.import_roster(session, actor=actor, village_id=village_id, rows=rows,
                                    filename=(file.filename if file is not None else "") or "", dry_run=dry_run)
    except ValidationFailed as exc:  # the file itself (empty, not a workbook, too large …): said where the table goes
        session.rollback()
        return _roster_page(request, session, actor, village_id, htmx=htmx, file_error=exc.message, status=422)
    if not dry_run and not plan.errors:
        session.commit()
        return redirect_after_post(f"/admin/households?imported={len(plan.households)}", htmx=htmx)
    return _roster_page(request, session, actor, village_id, htmx=htmx, plan=plan, checked=dry_run,
                        status=200 if dry_run else 422)


ROSTER_ERRORS_SHOWN = 200  # rows of problems on the page (the API lists them all)


def _roster_page(request: Request, session: SessionDep, actor: ActorDep, village_id: int, *,
                 htmx: HtmxDep | None = None, plan: roster.RosterPlan | None = None, checked: bool = False,
                 file_error: str = "", status: int = 200) -> Response:
    response = render(request, "org/import.html", {
        "tab": "admin", "village_id": village_id, "village_name": service.village_name(session, village_id),
        "villages": service.villages_named(session, village_ids=actor.villages(ROSTER_KEEPERS)),
        "plan": plan, "checked": checked, "ready": checked and plan is not None and not plan.errors,
        "file_error": file_error,
        "errors": plan.errors[:ROSTER_ERRORS_SHOWN] if plan else [], "max_rows": roster.MAX_ROWS,
        "max_mb": roster.MAX_BYTES // (1024 * 1024)},
        htmx=htmx, partial="org/_import_result.html", status_code=status)
    if status != 200:
        response.headers["HX-Push-Url"] = "false"
    return response


@router.get("/households/new")
def new_household(request: Request, actor: ActorDep, session: SessionDep,
                  village_id: Annotated[Id | None, Query()] = None) -> Response:
    actor.require_any(HOUSEHOLD_REGISTRARS)
    return _household_form(request, session, actor, NewHouseholdForm(village_id=village_id))


@router.post("/households")
def create_household(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                     head_name: Annotated[str, Form()] = "", address: Annotated[str, Form()] = "",
                     member_name: Annotated[list[str], Form()] = (), member_phone: Annotated[list[str], Form()] = (),
                     member_password: Annotated[list[str], Form()] = (), form_key: Annotated[str, Form()] = "",
                     village_id: Annotated[Id | None, Form()] = None) -> Response:
    form = NewHouseholdForm(head_name, address, list(member_name), list(member_phone), list(member_password),
                            village_id=village_id)
    try:
        household = service.create_household(session, actor=actor, head_name=head_name, address=address,
                                             members=form.members(), member_numbers=form.numbers(),
                                             village_id=village_id, idempotency_key=form_key or None)
    except ValidationFailed as exc:  # the form again, with what was typed and the message beside its field
        session.rollback()
        return _household_form(request, session, actor, form, exc)
    session.commit()
    after = f"/admin/households/{household.id}?done=create"
    slips = [Slip(name=m.name.strip(), phone=clean_phone(m.phone) or "", role=ROLE_LABELS[Role.villager],
                  unit=service.village_name(session, household.village_id), password=m.password)
             for m in form.members() if m.phone and m.password]
    if slips:  # the passwords typed become one-time ones: a 账号开通单 for each, shown this once
        return slip_page(request, slips, back=after, after=after)
    return redirect_after_post(after, htmx=htmx)


@dataclass
class NewHouseholdForm:
    """The registration form as typed: the head of household, and rows of members (a row may be left empty)."""

    head_name: str = ""
    address: str = ""
    names: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    passwords: list[str] = field(default_factory=list)
    village_id: int | None = None  # a town or county admin's choice of village (an official has one)

    def rows(self) -> list[dict[str, str | int]]:
        """Each member row as typed (passwords are never sent back), at least NEW_MEMBER_ROWS of them."""
        count = max(NEW_MEMBER_ROWS, len(self.names), len(self.phones))
        return [{"number": i + 1, "name": _at(self.names, i), "phone": _at(self.phones, i)} for i in range(count)]

    def _filled(self) -> list[int]:
        return [i for i in range(max(len(self.names), len(self.phones)))
                if _at(self.names, i).strip() or _at(self.phones, i).strip()]

    def members(self) -> list[MemberCreate]:
        return [MemberCreate(name=_at(self.names, i), phone=_at(self.phones, i),
                             password=_at(self.passwords, i) or None) for i in self._filled()]

    def numbers(self) -> list[int]:
        """The number the form shows beside each member sent (成员 1, 成员 2 …): refusals name them by it."""
        return [i + 1 for i in self._filled()]


def _at(values: list[str], i: int) -> str:
    return values[i] if i < len(values) else ""


def _household_form(request: Request, session: Session, actor: Actor, form: NewHouseholdForm,
                    error: ValidationFailed | None = None) -> Response:
    errors = {error.field or "": error.message} if error else {}
    villages = actor.villages(HOUSEHOLD_REGISTRARS)  # an admin over several picks one
    response = render(request, "org/new_household.html", {
        "tab": "admin", "form": form, "rows": form.rows(), "errors": errors,
        "villages": service.villages_named(session, village_ids=villages) if len(villages) > 1 else []},
        status_code=422 if error else 200)
    if error:
        response.headers["HX-Push-Url"] = "false"  # a refused boosted form must not leave its POST URL behind
    return response


@router.get("/households/{household_id}")
def household_detail(household_id: Id, request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                     done: str = "", cursor: str | None = None) -> Response:
    household = staff_household(session, actor, household_id)
    members = service.household_members(session, household=household)
    balance = household_balance(session, household_id=household.id)  # first: holds due back come back
    page = household_history(session, household=household, limit=20, cursor=cursor)
    return render(request, "org/household.html", {
        "tab": "admin", "household": household, "members": members, **_awards_not_posted(session, household, done),
        "balance": balance, "entries": page.items,
        "next_cursor": page.next_cursor, "done": DONE_MESSAGES.get(done, ""),
        "can_manage": actor.can(household.village_id, OFFICIALS),  # the town admin reads, and resets passwords
        "can_reset": {m.id for m in members if m.active and can_reset_password(session, actor, household, m)},
    })


def _awards_not_posted(session: Session, household: Household, done: str) -> dict:
    """The household's waiting credits (amber, with who may approve them) and the latest refused (red, with why);
    `just_pending`: the award just made waits (only while it still does: a reload after a refusal says no more)."""
    waiting = approvals.household_requests(session, household_id=household.id)
    pending = [w for w in waiting if w.status == approvals.PENDING]
    return {"waiting": waiting, "just_pending": done == "pending" and bool(pending),
            "people": _names(session, {w.proposed_by_id for w in waiting} | {w.refused_by_id for w in waiting}),
            "approvers": {w.id: approvals.approvers(session, request=w) for w in pending},
            "sources": SOURCE_LABELS, "who_decides": approvals.WHO_DECIDES}


def _names(session: Session, user_ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    return {u.id: u.name for u in session.exec(select(User).where(col(User.id).in_(ids)))} if ids else {}


@router.post("/households/{household_id}/edit")
def edit_household(household_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                   head_name: Annotated[str, Form()] = "", address: Annotated[str, Form()] = "") -> Response:
    household = managed_household(session, actor, household_id)
    service.update_household(session, actor=actor, household=household, head_name=head_name, address=address)
    session.commit()
    return redirect_after_post(f"/admin/households/{household_id}?done=edit", htmx=htmx)


@router.post("/households/{household_id}/members")
def add_member(household_id: Id, request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
               name: Annotated[str, Form()] = "", phone: Annotated[str, Form()] = "",
               password: Annotated[str, Form()] = "", form_key: Annotated[str, Form()] = "") -> Response:
    household = managed_household(session, actor, household_id)
    member = service.add_member(session, actor=actor, household=household, name=name, phone=phone,
                                password=password or None, idempotency_key=form_key or None)
    session.commit()
    after = f"/admin/households/{household_id}?done=member"
    if member.phone and password:  # a one-time password: its 账号开通单, shown this once
        slip = Slip(name=member.name, phone=member.phone, role=ROLE_LABELS[Role.villager],
                    unit=service.village_name(session, household.village_id), password=password)
        return slip_page(request, [slip], back=after, after=after)
    return redirect_after_post(after, htmx=htmx)


@router.post("/households/{household_id}/members/{user_id}/edit")
def edit_member(household_id: Id, user_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                name: Annotated[str, Form()] = "", phone: Annotated[str, Form()] = "") -> Response:
    household = managed_household(session, actor, household_id)
    service.update_member(session, actor=actor, household=household, member=member_of(session, household, user_id),
                          name=name, phone=phone or None)
    session.commit()
    return redirect_after_post(f"/admin/households/{household_id}?done=member", htmx=htmx)


@router.post("/households/{household_id}/members/{user_id}/deactivate")
def deactivate_member(household_id: Id, user_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                      reason: Annotated[str, Form()] = "") -> Response:
    household = managed_household(session, actor, household_id)
    service.deactivate_member(session, actor=actor, household=household,
                              member=member_of(session, household, user_id), reason=reason)
    session.commit()
    return redirect_after_post(f"/admin/households/{household_id}?done=deactivate", htmx=htmx)


@router.post("/households/{household_id}/members/{user_id}/password")
def reset_password(household_id: Id, user_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                   password: Annotated[str, Form()] = "") -> Response:
    new_password = passwords.prepare_password(password)  # argon2 before the first query
    household = visible_household(session, actor, household_id)
    member, role = resettable_member(session, actor, household, user_id)
    passwords.reset_password(session, actor=actor, role=role, household=household, member=member,
                             password=new_password)
    session.commit()
    return redirect_after_post(f"/admin/households/{household_id}?done=password", htmx=htmx)

