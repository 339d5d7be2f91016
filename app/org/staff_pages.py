"""人员管理 pages (issue #17 items 1–2): a unit with its children and its staff, for the county admin, the town
admin and the village official. The rules are app/org/access.py's, the writes app/org/units.py's (as the API)."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.deps import ActorDep, HtmxDep, SessionDep
from app.errors import DomainError, NotFound, ValidationFailed
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id, in_range
from app.org import passwords, units
from app.org.access import (
    STAFF_READERS,
    Actor,
    appointable_roles,
    covers_unit,
    creatable_kinds,
    home_unit,
    may_export,
    may_rename,
    parent_for_new_unit,
    renamable_unit,
    staff_list_unit,
    staffed_unit,
)
from app.org.models import ORG_KIND_LABELS, ROLE_LABELS, OrgKind, OrgUnit, Role

router = APIRouter()
DONE = {"rename": "名称已修改", "child": "已新建", "appoint": "已任命", "remove": "已免去该职务",
        "slip": "账号已开通。一次性密码只显示那一次；如果没记下，请让上级管理员为其重置密码"}


@dataclass(frozen=True)
class Slip:
    """One 账号开通单: what the new user needs to sign in the first time. Never stored: rendered once."""

    name: str
    phone: str
    role: str
    unit: str
    password: str


@router.get("/org")
def my_unit(actor: ActorDep, session: SessionDep) -> Response:
    """人员管理: the county admin's county, the town admin's township, the official's village."""
    return RedirectResponse(f"/org/units/{home_unit(session, actor).id}", status_code=303)


@router.get("/org/units/{unit_id}")
def unit_page(unit_id: Id, request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    unit = staff_list_unit(session, actor, unit_id)
    return _unit_page(request, session, actor, unit, done=DONE.get(done, ""))


@router.post("/org/units/{unit_id}/rename")
def rename(unit_id: Id, request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
           name: Annotated[str, Form()] = "") -> Response:
    try:
        units.rename_unit(session, actor=actor, unit=renamable_unit(session, actor, unit_id), name=name)
    except NotFound:
        raise
    except DomainError as exc:
        return _refused(request, session, actor, unit_id, "rename", exc)
    session.commit()
    return redirect_after_post(f"/org/units/{unit_id}?done=rename", htmx=htmx)


@router.post("/org/units/{unit_id}/children")
def add_child(unit_id: Id, request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
              kind: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
              form_key: Annotated[str, Form()] = "") -> Response:
    try:
        parent = parent_for_new_unit(session, actor, kind=kind, parent_id=unit_id)
        units.create_unit(session, actor=actor, kind=kind, name=name, parent=parent,
                          idempotency_key=form_key or None)
    except NotFound:
        raise
    except DomainError as exc:
        return _refused(request, session, actor, unit_id, "child", exc, form={"kind": kind, "name": name})
    session.commit()
    return redirect_after_post(f"/org/units/{unit_id}?done=child", htmx=htmx)


@router.post("/org/units/{unit_id}/staff")
def appoint(unit_id: Id, request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
            phone: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
            role: Annotated[str, Form()] = "", shop_id: Annotated[str, Form()] = "") -> Response:
    """Appoint; a new user's one-time password is shown once, on a printable 账号开通单 (a reload shows it no more)."""
    one_time = passwords.one_time_password()
    password = passwords.prepare_password(one_time)  # argon2 before the first query
    form = {"phone": phone, "name": name, "role": role, "shop_id": shop_id}
    staff_list_unit(session, actor, unit_id)  # another county's unit: not found; a villager: refused
    try:
        if role not in ROLE_VALUES:
            raise ValidationFailed("请选择职务", field="role")
        unit = staffed_unit(session, actor, unit_id, role=role)
        done = units.appoint(session, actor=actor, unit=unit, role=role, phone=phone, name=name,
                             shop_id=_form_id(shop_id), password=password)
    except DomainError as exc:
        return _refused(request, session, actor, unit_id, "appoint", exc, form=form)
    session.commit()
    if not done.created:
        return redirect_after_post(f"/org/units/{unit_id}?done=appoint", htmx=htmx)
    slip = Slip(name=done.user.name, phone=done.user.phone or "", role=ROLE_LABELS[Role(role)], unit=unit.name,
                password=one_time)
    return slip_page(request, [slip], back=f"/org/units/{unit_id}", after=f"/org/units/{unit_id}?done=slip")


@router.post("/org/units/{unit_id}/staff/{user_id}/remove")
def remove(unit_id: Id, user_id: Id, request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
           role: Annotated[str, Form()] = "") -> Response:
    try:
        unit = staffed_unit(session, actor, unit_id, role=_role(role), user_id=user_id)
        units.remove_staff(session, actor=actor, unit=unit, user_id=user_id, role=role)
    except NotFound:
        raise
    except DomainError as exc:
        return _refused(request, session, actor, unit_id, "staff", exc)
    session.commit()
    return redirect_after_post(f"/org/units/{unit_id}?done=remove", htmx=htmx)


ROLE_VALUES = frozenset(r.value for r in Role)


def _role(value: str) -> Role:
    """The role a form names; anything else reads as 村民, which no unit appoints (access refuses it in words)."""
    return Role(value) if value in ROLE_VALUES else Role.villager


def _form_id(value: str) -> int | None:
    """A shop chosen on the form: None when none is; an unreadable or out-of-range one finds nothing."""
    number = form_int(value, blank=0)
    return None if number == 0 else number if in_range(number) else -1


def slip_page(request: Request, slips: list[Slip], *, back: str, after: str) -> Response:
    """The 账号开通单 page, answered to the POST itself: nothing keeps the password, and the address the browser
    shows (and reloads) is `after`, which no longer has it."""
    response = render(request, "org/slip.html", {"tab": "me", "slips": slips, "back": back,
                                                 "sign_in": f"{str(request.base_url).rstrip('/')}/login"},
                      no_store=True)  # a one-time password: not even the back button may keep it
    response.headers["HX-Push-Url"] = after
    return response


def _refused(request: Request, session: Session, actor: Actor, unit_id: int, form_name: str, exc: DomainError,
             form: dict | None = None) -> Response:
    """The unit page again, with what was typed and the refusal beside its form (in its status)."""
    session.rollback()
    unit = staff_list_unit(session, actor, unit_id)
    response = _unit_page(request, session, actor, unit, errors={form_name: exc.message}, form=form,
                          status_code=exc.status_code)
    response.headers["HX-Push-Url"] = "false"  # a refused boosted form must not leave its POST URL behind
    return response


def _unit_page(request: Request, session: Session, actor: Actor, unit: OrgUnit, *, done: str = "",
               errors: dict | None = None, form: dict | None = None, status_code: int = 200) -> Response:
    parent = session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
    if parent is not None and not covers_unit(session, actor, parent, STAFF_READERS[OrgKind(parent.kind)]):
        parent = None
    staff = units.list_staff(session, unit=unit)
    roles = appointable_roles(session, actor, unit)
    by_role = {role: [s for s in staff if s.role == role] for role in dict.fromkeys(
        [*roles, *(Role(s.role) for s in staff)])}
    shops = units.village_shops(session, unit=unit) if Role.attendant in roles else []
    return render(request, "org/unit.html", {
        "tab": "me", "unit": unit, "parent": parent, "children": units.unit_children(session, unit=unit),
        "kinds": creatable_kinds(session, actor, unit), "roles": roles, "by_role": by_role,
        "can_remove": set(roles), "shops": shops, "shop_names": {s.id: s.name for s in shops},
        "can_rename": may_rename(session, actor, unit), "can_export": may_export(session, actor, unit),
        "kind_labels": ORG_KIND_LABELS, "role_labels": ROLE_LABELS,
        "done": done, "errors": errors or {}, "form": form or {}}, status_code=status_code)
