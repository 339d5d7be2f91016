"""Pages: login, logout, home (首页) and me (我的)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.limits import signed_in, throttle_login
from app.auth.service import authenticate, revoke_token, sign_out_everywhere
from app.deps import COOKIE_NAME, ActorDep, ReadSessionDep, SessionDep, SettingsDep, client_address, read_claims
from app.errors import DomainError
from app.htmx import render
from app.ledger.service import household_balance, household_ledger
from app.org.access import OFFICIALS
from app.org.models import Household
from app.org.service import village_name
from app.org.setup import has_admin
from app.security import create_access_token

public = APIRouter(include_in_schema=False)
router = APIRouter()


def _login_form(request: Request, session: Session, *, phone: str = "", error: DomainError | None = None
                ) -> Response:
    return render(request, "auth/login.html", {"phone": phone, "error": error.message if error else None,
                                               "actor": None, "no_admin": _no_admin_yet(request, session)},
                  status_code=error.status_code if error else 200)


def _no_admin_yet(request: Request, session: Session) -> bool:
    """A fresh production database: nobody can sign in until the first administrator is created (once one is
    found, the answer is kept: administrators are not removed)."""
    if getattr(request.app.state, "has_admin", False):
        return False
    request.app.state.has_admin = has_admin(session)
    return not request.app.state.has_admin


@public.get("/login")
def login_page(request: Request, session: ReadSessionDep) -> Response:
    claims, _ = read_claims(request)
    if claims is not None:  # already signed in (the home page re-checks the account itself)
        return RedirectResponse("/", status_code=303)
    return _login_form(request, session)


@public.post("/login")
def login_submit(request: Request, session: ReadSessionDep, settings: SettingsDep,
                 phone: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "") -> Response:
    try:
        throttle_login(request.app.state.login_limits, client=client_address(request), phone=phone)
        user = authenticate(session, phone=phone, password=password)
    except DomainError as exc:
        return _login_form(request, session, phone=phone, error=exc)
    signed_in(request.app.state.login_limits, client=client_address(request), phone=phone)
    token = create_access_token(secret=request.app.state.secret, user_id=user.id, token_version=user.token_version,
                                minutes=settings.access_token_minutes)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE_NAME, token, max_age=settings.access_token_minutes * 60, httponly=True,
                        samesite="lax", secure=settings.cookie_secure or request.url.scheme == "https", path="/")
    return response


@router.post("/logout")
def logout(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """Sign this browser's session out: its token is refused from now on, not only forgotten by the browser."""
    claims = request.state.claims
    revoke_token(session, jti=claims.jti, user_id=actor.id, expires_at=claims.expires_at)
    session.commit()
    return _signed_out()


@router.post("/logout-all")
def logout_all(actor: ActorDep, session: SessionDep) -> Response:
    """退出所有设备: every session of this user ends, on every phone and computer."""
    sign_out_everywhere(session, user_id=actor.id)
    session.commit()
    return _signed_out()


def _signed_out() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@router.get("/")
def home(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    household = session.get(Household, actor.user.household_id) if actor.user.household_id else None
    village_id = household.village_id if household else actor.first_village(OFFICIALS)
    context = {"tab": "home", "household": household, "balance": None, "entries": [],
               "village": village_name(session, village_id), "is_official": actor.has_role(OFFICIALS)}
    if household:
        context["balance"] = household_balance(session, household_id=household.id)
        context["entries"] = household_ledger(session, household=household, limit=5, cursor=None).items
    return render(request, "auth/home.html", context)


@router.get("/me")
def me(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    household = session.get(Household, actor.user.household_id) if actor.user.household_id else None
    villages = {a.org_id: village_name(session, a.org_id) for a in actor.roles}
    return render(request, "auth/me.html", {"tab": "me", "household": household, "org_names": villages})
