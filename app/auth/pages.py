"""Pages: login, logout, home (首页), me (我的) and choosing a new password."""

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session

from app.auth.checklist import setup_checklists
from app.auth.limits import signed_in, throttle_login
from app.auth.service import (
    authenticate,
    note_sign_in,
    revoke_token,
    set_elder_mode,
    set_own_password,
    sign_out_everywhere,
)
from app.config import Settings
from app.db import write_session
from app.deps import (
    COOKIE_NAME,
    ActorDep,
    EngineDep,
    HtmxDep,
    LoginLimitsDep,
    ReadSessionDep,
    SecretDep,
    SessionDep,
    SettingsDep,
    client_address,
    no_admin_yet,
    read_claims,
)
from app.errors import DomainError, ValidationFailed
from app.htmx import redirect_after_post, render
from app.inbox import service as inbox
from app.ledger.history import household_history
from app.ledger.service import household_balance
from app.org.access import OFFICIALS, Actor, acting_household, home_village
from app.org.models import PasswordResetNotice
from app.org.passwords import mark_notices_seen, unseen_reset_notices
from app.org.service import village_name
from app.security import create_access_token
from app.shop.catalogue.service import list_shops

NEXT_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9/_\-]{0,200}")  # a path on this site (no //host, no query)

public = APIRouter(include_in_schema=False)
router = APIRouter()


def _login_form(request: Request, session: Session, *, phone: str = "", error: DomainError | None = None,
                next_path: str = "") -> Response:
    return render(request, "auth/login.html", {"phone": phone, "error": error.message if error else None,
                                               "actor": None, "no_admin": no_admin_yet(request, session),
                                               "next_path": safe_next(next_path)},
                  status_code=error.status_code if error else 200)


def safe_next(path: str | None) -> str:
    """Where to go after signing in (a scanned shop poster: /s/3): a path of this site only, else nothing."""
    path = path or ""
    return path if NEXT_PATH.fullmatch(path) else ""


@public.get("/login")
def login_page(request: Request, session: ReadSessionDep, next: str = "") -> Response:  # noqa: A002
    claims, _ = read_claims(request)
    if claims is not None:  # already signed in (the home page re-checks the account itself)
        return RedirectResponse(safe_next(next) or "/", status_code=303)
    return _login_form(request, session, next_path=next)


@public.post("/login")
def login_submit(request: Request, session: ReadSessionDep, settings: SettingsDep, secret: SecretDep,
                 limits: LoginLimitsDep, engine: EngineDep, phone: Annotated[str, Form()] = "",
                 password: Annotated[str, Form()] = "",
                 next_path: Annotated[str, Form(alias="next")] = "") -> Response:
    try:
        throttle_login(limits, client=client_address(request), phone=phone)
        user = authenticate(session, phone=phone, password=password)
    except DomainError as exc:
        return _login_form(request, session, phone=phone, error=exc, next_path=next_path)
    signed_in(limits, client=client_address(request), phone=phone)
    note_sign_in(engine, session, user=user, tz=settings.timezone)
    # After a reset the one-time password leads straight to 设置新密码 (nothing else opens until then).
    return _signed_in(request, settings, secret, user_id=user.id, token_version=user.token_version,
                      to="/password" if user.must_change_password else (safe_next(next_path) or "/"))


def _signed_in(request: Request, settings: Settings, secret: str, *, user_id: int, token_version: int, to: str
               ) -> Response:
    token = create_access_token(secret=secret, user_id=user_id, token_version=token_version,
                                minutes=settings.access_token_minutes)
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(COOKIE_NAME, token, max_age=settings.access_token_minutes * 60, httponly=True,
                        samesite="lax", secure=settings.cookie_secure or request.url.scheme == "https", path="/")
    return response


@router.get("/password")
def password_page(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """设置新密码 after a reset (the only page that opens then), or 修改密码 from 我的."""
    return render(request, "auth/password.html", _password_context(session, actor))


@router.post("/password")
def change_password(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
                    secret: SecretDep, limits: LoginLimitsDep, current_password: Annotated[str, Form()] = "",
                    password: Annotated[str, Form()] = "", password_again: Annotated[str, Form()] = "") -> Response:
    try:
        if password != password_again:
            raise ValidationFailed("两次输入的新密码不一样，请重新输入")
        version = set_own_password(session, limits=limits, client=client_address(request),
                                   user=actor.user, new_password=password, current_password=current_password or None)
        session.commit()
    except DomainError as exc:
        session.rollback()
        return render(request, "auth/password.html", _password_context(session, actor, error=exc.message),
                      status_code=exc.status_code)
    return _signed_in(request, settings, secret, user_id=actor.id, token_version=version, to="/?done=password")


def _password_context(session: Session, actor: Actor, *, error: str | None = None) -> dict:
    """The reset that gave this user a one-time password (who, as what, when), if that is why they are here."""
    must_change = actor.user.must_change_password
    own = [n for n in unseen_reset_notices(session, user_id=actor.id) if n.member_id == actor.id] if must_change else []
    return {"tab": "me", "must_change": must_change, "reset": own[-1] if own else None, "error": error}


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
    """To the login page, the cookie gone, and the browser told to drop what it kept of this site: on a shared phone
    the back button must not bring the last person's pages back (the back/forward cache is emptied too)."""
    response = RedirectResponse("/login", status_code=303, headers={"Clear-Site-Data": '"cache"'})
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@router.get("/")
def home(request: Request, actor: ActorDep, session: SessionDep, engine: EngineDep, done: str = "") -> Response:
    household = acting_household(session, actor)
    village_id = home_village(actor, household, OFFICIALS)
    context = {"tab": "home", "household": household, "balance": None, "entries": [],
               "village": village_name(session, village_id), "is_official": actor.has_role(OFFICIALS),
               "resets": _reset_notices_once(engine, session, actor), "done": HOME_DONE.get(done, ""),
               "setup": setup_checklists(session, actor), "has_shop": bool(list_shops(session, actor=actor))}
    if household:
        context["balance"] = household_balance(session, household_id=household.id)
        context["entries"] = household_history(session, household=household, limit=5, cursor=None,
                                               moved_only=True).items  # purchases, not holds given back
    return render(request, "auth/home.html", context)


HOME_DONE = {"password": "新密码已设好，以后请用它登录"}


def _reset_notices_once(engine: Engine, session: Session, actor: Actor) -> list[PasswordResetNotice]:
    """「密码已由 …重置」 notices for this user, marked seen as they are shown (a short write of its own, taken only
    when there is one: 首页 otherwise never waits for the writer)."""
    notices = unseen_reset_notices(session, user_id=actor.id)
    if notices:
        with write_session(engine) as writer:
            mark_notices_seen(writer, notice_ids=[n.id for n in notices])
            writer.commit()
    return notices


ME_DONE = {"offline-lost": "已挂失：这个账号存在手机里的离线码都已停用。找回手机后，联网打开积分码会自动换新的离线码"}


@router.get("/me")
def me(request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    household = acting_household(session, actor)
    villages = {a.org_id: village_name(session, a.org_id) for a in actor.roles}
    return render(request, "auth/me.html", {"tab": "me", "household": household, "org_names": villages,
                                            "done": ME_DONE.get(done, ""),
                                            "unread_messages": inbox.unread_count(session, user_id=actor.id),
                                            "has_shop": bool(list_shops(session, actor=actor))})


ELDER_SWITCH = {"1": True, "0": False}


@router.post("/me/elder-mode")
def elder_mode(actor: ActorDep, session: SessionDep, htmx: HtmxDep, on: Annotated[str, Form()] = "") -> Response:
    """长辈模式 on (on=1) or off (on=0), from 我的: back to 我的, drawn whole in the chosen mode (htmx is told to load
    the page, as the class on <html> and the stylesheet change with it)."""
    if on not in ELDER_SWITCH:
        raise ValidationFailed("请选择打开或关闭长辈模式")
    set_elder_mode(session, user=actor.user, on=ELDER_SWITCH[on])
    session.commit()
    return redirect_after_post("/me", htmx=htmx)
