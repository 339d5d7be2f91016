"""Signing in and out, and describing the signed-in user."""

from datetime import datetime

from sqlalchemy import Engine, bindparam, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.auth.limits import LoginLimits, signed_in, throttle_login
from app.auth.models import HouseholdSignIn, RevokedToken
from app.db import write_session
from app.errors import Unauthenticated
from app.org.access import Actor, actor_with, member_village
from app.org.models import Household, OrgUnit, RoleAssignment, RolePublic, User, UserPublic
from app.org.passwords import change_own_password
from app.org.service import MAX_PASSWORD
from app.security import verify_password
from app.timeutil import this_month, utcnow

BAD_CREDENTIALS = "手机号或密码错误"


def authenticate(session: Session, *, phone: str, password: str) -> User:
    """The active user with this phone and password; the same refusal whether or not the phone exists."""
    if len(password or "") > MAX_PASSWORD:  # no password is that long: refused unhashed (argon2 of megabytes)
        raise Unauthenticated(BAD_CREDENTIALS)
    user = session.exec(select(User).where(User.phone == (phone or "").strip())).first()
    ok = verify_password(user.password_hash if user else None, password or "")
    if user is None or not ok or not user.active:
        raise Unauthenticated(BAD_CREDENTIALS)
    return user


def note_sign_in(engine: Engine, session: Session, *, user: User, tz: str) -> None:
    """Remember that the user's household was active this month (the dashboards' active households): one row per
    household and month, so only the month's first sign-in writes, in a short write of its own (a sign-in reads
    with no place in SQLite's writer queue while it hashes the password)."""
    if user.household_id is None:
        return
    month = this_month(tz)
    if session.exec(select(HouseholdSignIn.id).where(HouseholdSignIn.household_id == user.household_id,
                                                     HouseholdSignIn.month == month)).first() is not None:
        return
    with write_session(engine) as writer:
        household = writer.get(Household, user.household_id)
        if household is None:
            return
        try:
            with writer.begin_nested():
                writer.add(HouseholdSignIn(household_id=household.id, village_id=household.village_id, month=month))
                writer.flush()
        except IntegrityError:
            pass  # two members signing in at once: the month is counted once
        writer.commit()


def describe_user(session: Session, actor: Actor) -> UserPublic:
    user = actor.user
    return UserPublic(id=user.id, name=user.name, phone=user.phone,
                      roles=[RolePublic(role=a.role, org_id=a.org_id) for a in actor.roles],
                      village_id=member_village(session, actor), household_id=user.household_id,
                      must_change_password=user.must_change_password, elder_mode=user.elder_mode)


def set_elder_mode(session: Session, *, user: User, on: bool) -> None:
    """长辈模式 on or off for this user, remembered on every phone they sign in with."""
    session.execute(update(User).where(User.id == user.id).values(elder_mode=on))
    user.elder_mode = on


def is_revoked(session: Session, *, jti: str) -> bool:
    return session.get(RevokedToken, jti) is not None


# Built once (every signed-in request asks): the user a token names, whether that token was signed out, and the
# user's role assignments with their units' kinds — one row per assignment (one with none for a user without).
_HOLDER = (select(User, RevokedToken.jti, RoleAssignment, OrgUnit.kind).select_from(User)
           .outerjoin(RevokedToken, RevokedToken.jti == bindparam("jti"))
           .outerjoin(RoleAssignment, RoleAssignment.user_id == User.id)
           .outerjoin(OrgUnit, OrgUnit.id == RoleAssignment.org_id)
           .where(User.id == bindparam("user_id")))


def token_holder(session: Session, *, user_id: int, jti: str) -> tuple[Actor | None, bool]:
    """The signed-in actor a token names (with their roles) and whether that token was signed out, in one read."""
    rows = session.exec(_HOLDER, params={"user_id": user_id, "jti": jti}).all()
    if not rows:
        return None, False
    user = rows[0][0]
    return actor_with(session, user, [(role, kind) for _, _, role, kind in rows if role is not None]), (
        rows[0][1] is not None)


def purge_expired_revocations(session: Session, *, now: datetime, limit: int) -> int:
    """At most `limit` revocations of tokens that have expired anyway removed (they refuse nothing now); how many."""
    jtis = list(session.exec(select(RevokedToken.jti).where(RevokedToken.expires_at < now)
                             .order_by(RevokedToken.jti).limit(limit)))
    if jtis:
        session.execute(delete(RevokedToken).where(RevokedToken.jti.in_(jtis)))
    return len(jtis)


def revoke_token(session: Session, *, jti: str, user_id: int, expires_at: datetime) -> None:
    """Sign one token out until it expires (a second sign-out of it changes nothing); clear revocations of tokens
    that have expired meanwhile (an indexed range: cheap on the way)."""
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at < utcnow()))
    if expires_at <= utcnow() or is_revoked(session, jti=jti):
        return
    try:
        with session.begin_nested():
            session.add(RevokedToken(jti=jti, user_id=user_id, expires_at=expires_at))
            session.flush()
    except IntegrityError:
        pass  # the same token signed out twice at once: once is enough


def sign_out_everywhere(session: Session, *, user_id: int) -> None:
    """End every session of the user: tokens carry the version they were made with, and it moves on."""
    session.execute(update(User).where(User.id == user_id).values(token_version=User.token_version + 1))


def set_own_password(session: Session, *, limits: LoginLimits, client: str, user: User, new_password: str | None,
                    current_password: str | None) -> int:
    """The user's own new password (app/org/passwords.py); the new token version. Where the current password is
    asked, its tries are throttled like sign-ins: a borrowed phone cannot be used to guess it."""
    guarded = not user.must_change_password
    if guarded:
        throttle_login(limits, client=client, phone=user.phone or "")
    version = change_own_password(session, user=user, new_password=new_password, current_password=current_password)
    if guarded:
        signed_in(limits, client=client, phone=user.phone or "")
    return version
