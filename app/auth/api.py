"""Identity: login, logout, me, health."""

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from app.auth.limits import signed_in, throttle_login
from app.auth.service import (
    authenticate,
    describe_user,
    revoke_token,
    set_elder_mode,
    set_own_password,
    sign_out_everywhere,
)
from app.deps import (
    COOKIE_NAME,
    ActorDep,
    LoginLimitsDep,
    ReadSessionDep,
    SecretDep,
    SessionDep,
    SettingsDep,
    client_address,
)
from app.errors import MigrationBehind
from app.migrations import database_revision, head_revision
from app.org.access import load_actor
from app.org.models import ElderModeChange, LoginRequest, LoginResponse, PasswordChange, UserPublic
from app.security import create_access_token

public = APIRouter(tags=["identity"])
router = APIRouter(tags=["identity"])


@public.post("/auth/login", response_model=LoginResponse)
def login(body: LoginRequest, request: Request, session: ReadSessionDep, settings: SettingsDep, secret: SecretDep,
          limits: LoginLimitsDep) -> LoginResponse:
    throttle_login(limits, client=client_address(request), phone=body.phone)
    user = authenticate(session, phone=body.phone, password=body.password)
    signed_in(limits, client=client_address(request), phone=body.phone)
    token = create_access_token(secret=secret, user_id=user.id, token_version=user.token_version,
                                minutes=settings.access_token_minutes)
    return LoginResponse(access_token=token, expires_in=settings.access_token_minutes * 60,
                         user=describe_user(session, load_actor(session, user)))


@public.get("/health")
def health(session: SessionDep) -> dict:
    """The database answers and its tables are those of this code: a server started on a database not yet
    migrated (`alembic upgrade head` forgotten after an update) answers 503 `migration_behind`, so that a load
    balancer or a monitor sees it before a villager does."""
    session.execute(text("SELECT 1"))
    current, head = database_revision(session), head_revision()
    if current is not None and current != head:
        raise MigrationBehind(f"数据库结构未升级（{current}，需要 {head}）：请先运行 alembic upgrade head")
    return {"status": "ok", "database": "ok", "engine": session.get_bind().dialect.name, "migration": current,
            "head": head}


@router.get("/me", response_model=UserPublic)
def me(actor: ActorDep, session: SessionDep) -> UserPublic:
    return describe_user(session, actor)


@router.put("/me/elder-mode", response_model=UserPublic)
def elder_mode(body: ElderModeChange, actor: ActorDep, session: SessionDep) -> UserPublic:
    """长辈模式 on or off for the signed-in user (bigger text and buttons on every page, four tiles on 首页); the
    pages read it on every phone this user signs in with. Sent twice, the same answer."""
    set_elder_mode(session, user=actor.user, on=body.on)
    answer = describe_user(session, actor)
    session.commit()
    return answer


@router.post("/me/password", response_model=LoginResponse)
def change_password(body: PasswordChange, request: Request, actor: ActorDep, session: SessionDep,
                    settings: SettingsDep, secret: SecretDep, limits: LoginLimitsDep) -> LoginResponse:
    """Choose a new password: after a reset the only call that works (403 password_change_required elsewhere), with
    no current password asked; otherwise `current_password` is required. Every other session ends: the answer
    carries this device's new token."""
    version = set_own_password(session, limits=limits, client=client_address(request),
                               user=actor.user, new_password=body.password,
                               current_password=body.current_password)
    actor.user.token_version, actor.user.must_change_password = version, False
    answer = LoginResponse(access_token=create_access_token(secret=secret, user_id=actor.id,
                                                            token_version=version,
                                                            minutes=settings.access_token_minutes),
                           expires_in=settings.access_token_minutes * 60, user=describe_user(session, actor))
    session.commit()
    return answer


@router.post("/auth/logout", status_code=204)
def logout(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """Sign this token out: it is refused from now on, until it would have expired."""
    claims = request.state.claims
    revoke_token(session, jti=claims.jti, user_id=actor.id, expires_at=claims.expires_at)
    session.commit()
    response = Response(status_code=204)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@router.post("/auth/logout-all", status_code=204)
def logout_all(actor: ActorDep, session: SessionDep) -> Response:
    """Sign out every session of this user, on every device (this one too)."""
    sign_out_everywhere(session, user_id=actor.id)
    session.commit()
    response = Response(status_code=204)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response
