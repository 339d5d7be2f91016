"""Request dependencies: session, the signed-in actor, CSRF, htmx flags, and what the app holds for every request
(settings, the signing secret, the engine, the login and code throttles, the templates). Routes ask for these by type
(`SecretDep`, `EngineDep` …) and never read `request.app.state` themselves."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.auth.limits import LoginLimits
from app.auth.service import token_holder
from app.config import Settings
from app.db import loop_reader, request_session, session_for
from app.errors import Forbidden, PasswordChangeRequired, Unauthenticated
from app.org.access import Actor
from app.org.setup import has_admin
from app.ratelimit import Window
from app.security import TokenClaims, csrf_token_for, csrf_token_matches, decode_access_token
from app.shop.redemption.counter import CodeFailureLimits

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
COOKIE_NAME = "zf_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


# What the app holds, read off its state. The dependencies among these are `async def`: FastAPI runs a plain `def`
# dependency in its thread pool, a hop per dependency and request that a read of an attribute does not need.

def engine_of(request: Request) -> Engine:
    return request.app.state.engine


def secret_of(request: Request) -> str:
    """The key tokens and CSRF tokens are signed with (Settings.resolved_secret(), read once at start)."""
    return request.app.state.secret


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_secret(request: Request) -> str:
    return secret_of(request)


async def get_engine(request: Request) -> Engine:
    """For a short write of its own beside the request's session (a read receipt, a notice marked seen)."""
    return engine_of(request)


async def get_login_limits(request: Request) -> LoginLimits:
    return request.app.state.login_limits


async def get_code_tries(request: Request) -> Window:
    """Code and card look-ups per minute, per person who types them (the counter, the station)."""
    return request.app.state.code_tries


async def get_public_tries(request: Request) -> Window:
    """Signed-out public pages per client address per minute."""
    return request.app.state.public_tries


async def get_code_failures(request: Request) -> CodeFailureLimits:
    """Failed code and card look-ups per attendant and per shop, and the codes the counter just refused (the open
    积分码 screen reads those to show a fresh one)."""
    return request.app.state.code_failures


async def get_templates(request: Request) -> Jinja2Templates:
    """For the rare page rendered without the signed-in context (app/htmx.py `render` is the usual way)."""
    return request.app.state.templates


def no_admin_yet(request: Request, session: Session) -> bool:
    """A fresh production database: nobody can sign in until the first administrator is created (once one is
    found, the answer is kept for the app's life: administrators are not removed)."""
    if getattr(request.app.state, "has_admin", False):
        return False
    request.app.state.has_admin = has_admin(session)
    return not request.app.state.has_admin


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request; unsafe methods take SQLite's write lock when they begin."""
    async with request_session(engine_of(request), write=request.method not in SAFE_METHODS) as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """For POSTs that write nothing (login): no place in SQLite's writer queue while hashing a password."""
    async with request_session(engine_of(request), write=False) as session:
        yield session


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    """For the few GETs that write (a fresh pay code each time the villager opens 积分码).
    A write session waits for SQLite's writer only when it first touches the database (app/db.py)."""
    async with request_session(engine_of(request), write=True) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SecretDep = Annotated[str, Depends(get_secret)]
EngineDep = Annotated[Engine, Depends(get_engine)]
LoginLimitsDep = Annotated[LoginLimits, Depends(get_login_limits)]
CodeTriesDep = Annotated[Window, Depends(get_code_tries)]
CodeFailuresDep = Annotated[CodeFailureLimits, Depends(get_code_failures)]
PublicTriesDep = Annotated[Window, Depends(get_public_tries)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]


def client_address(request: Request) -> str:
    """The peer's address: the proxy's X-Forwarded-For is applied by uvicorn only for TRUSTED_PROXIES
    (app/__main__.py uvicorn_options), so a client cannot name its own address."""
    return request.client.host if request.client else "unknown"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def read_claims(request: Request) -> tuple[TokenClaims | None, bool]:
    """The token's claims (None if absent or bad) and whether it came from the cookie; decoded once a request (the
    CSRF check and the sign-in check both ask)."""
    if not hasattr(request.state, "sent_token"):
        request.state.sent_token = _decode_sent(request)
    return request.state.sent_token


def _decode_sent(request: Request) -> tuple[TokenClaims | None, bool]:
    secret = secret_of(request)
    token = _bearer(request)
    via_cookie = token is None
    token = token or request.cookies.get(COOKIE_NAME)
    if not token:
        return None, via_cookie
    return decode_access_token(token, secret=secret), via_cookie


async def csrf_guard(request: Request) -> None:
    """Unsafe requests signed in by cookie must carry the session's CSRF token (header or form field)."""
    if request.method in SAFE_METHODS:
        return
    claims, via_cookie = read_claims(request)
    if claims is None or not via_cookie:
        return
    candidate = request.headers.get(CSRF_HEADER)
    if candidate is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        candidate = (await request.form()).get(CSRF_FIELD)
    if not csrf_token_matches(candidate if isinstance(candidate, str) else None, jti=claims.jti,
                              secret=secret_of(request)):
        raise Forbidden("页面已过期，请刷新后重试")


# What a user signed in with a one-time password (after a reset) may reach: choosing a new one, who they are, leaving.
OPEN_BEFORE_NEW_PASSWORD = frozenset({"/password", "/logout", "/logout-all", "/api/v1/me", "/api/v1/me/password",
                                      "/api/v1/auth/logout", "/api/v1/auth/logout-all"})


async def current_actor(request: Request, _csrf: Annotated[None, Depends(csrf_guard)]) -> Actor:
    """Who is signed in, read before the route's session opens and holding nothing while the request waits for the
    writer. On SQLite the read is made on the event loop, on a connection of the loop's own (app/db.py
    `loop_reader`: it waits for nothing), which spares every signed-in request a hop through the thread pool (under
    load about a tenth of a redemption's server CPU, docs/performance.md "Fifteenth session"); elsewhere in a session
    of its own in the thread pool."""
    claims, _ = read_claims(request)
    if claims is None:
        raise Unauthenticated("请先登录" if not _bearer(request) and COOKIE_NAME not in request.cookies
                              else "登录已过期，请重新登录")
    engine = engine_of(request)
    reader = loop_reader(engine)
    if reader is not None:
        actor, revoked = _holder(reader, claims)
    else:
        actor, revoked = await run_in_threadpool(_holder, engine, claims)
    user = actor.user if actor is not None else None
    if user is None or not user.active or user.token_version != claims.token_version or revoked:
        raise Unauthenticated("登录已失效，请重新登录")
    request.state.claims = claims
    request.state.csrf_token = csrf_token_for(claims.jti, secret=secret_of(request))
    request.state.actor = actor
    if user.must_change_password and request.url.path not in OPEN_BEFORE_NEW_PASSWORD:
        raise PasswordChangeRequired()
    return actor


def _holder(engine: Engine, claims: TokenClaims) -> tuple[Actor | None, bool]:
    with session_for(engine, write=False) as session:
        return token_holder(session, user_id=claims.user_id, jti=claims.jti)


ActorDep = Annotated[Actor, Depends(current_actor)]


@dataclass(frozen=True)
class Htmx:
    request: bool
    boosted: bool
    history_restore: bool

    @property
    def wants_partial(self) -> bool:
        return self.request and not self.boosted and not self.history_restore


async def htmx_flags(  # async: it reads headers alone, so no hop through the thread pool (~0.1 ms of CPU)
    hx_request: Annotated[str | None, Header()] = None,
    hx_boosted: Annotated[str | None, Header()] = None,
    hx_history_restore_request: Annotated[str | None, Header()] = None,
) -> Htmx:
    return Htmx(request=hx_request == "true", boosted=hx_boosted == "true",
                history_restore=hx_history_restore_request == "true")


HtmxDep = Annotated[Htmx, Depends(htmx_flags)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
