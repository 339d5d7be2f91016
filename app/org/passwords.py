"""Passwords: a reset gives a one-time password (who may reset whom is decided in app/org/access.py), the household
is told who reset it, and a member chooses their own. argon2 — the slow part — always runs before the database is
touched, so no SQLite writer waits on it (app/db.py)."""

import secrets
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from app.audit.service import record_action
from app.errors import Conflict, ValidationFailed
from app.org.access import Actor
from app.org.models import USER_TARGET, Household, OrgAction, PasswordResetNotice, User
from app.org.service import check_password, household_members
from app.security import hash_password, verify_password
from app.timeutil import utcnow


@dataclass(frozen=True)
class NewPassword:
    """A password checked and hashed, ready to be written."""

    hash: str


def prepare_password(password: str | None) -> NewPassword:
    """Check a new password and hash it (call before the first query)."""
    return NewPassword(hash=hash_password(check_password(password)))


ONE_TIME_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read aloud or copied from a screen
ONE_TIME_LENGTH = 10


def one_time_password() -> str:
    """A random one-time password for a new account (it must be changed at the first sign-in)."""
    return "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_LENGTH))


def reset_password(session: Session, *, actor: Actor, role: str, household: Household, member: User,
                   password: NewPassword) -> User:
    """Give a member a one-time password (from `access.resettable_member`, which says who may and as what `role`):
    their sessions end, they must choose their own password at the next sign-in, and every member of the household
    with an account finds 「密码已由 …（…）于 … 重置」 on their next visit."""
    if member.phone is None:
        raise ValidationFailed("该成员没有手机号，无法登录")
    member.password_hash = password.hash
    member.must_change_password = True
    member.token_version += 1
    session.add(member)
    now = utcnow()
    for recipient in household_members(session, household=household):
        if recipient.active and recipient.phone:
            session.add(PasswordResetNotice(user_id=recipient.id, member_id=member.id, member_name=member.name,
                                            reset_by_id=actor.id, reset_by_name=actor.user.name,
                                            reset_by_role=role, created_at=now))
    record_action(session, actor_id=actor.id, action=OrgAction.member_reset_password,
                  village_id=household.village_id, target_type=USER_TARGET, target_id=member.id,
                  target_label=member.name, detail={"by_role": role, "one_time": True})
    return member


def change_own_password(session: Session, *, user: User, new_password: str | None,
                        current_password: str | None) -> int:
    """Set the signed-in user's own password and end their other sessions; the new token version. After a reset the
    one-time password is not asked again (it was just used to sign in); otherwise the current one is."""
    if not user.must_change_password and not verify_password(user.password_hash, current_password or ""):
        raise ValidationFailed("请填写当前密码" if not current_password else "当前密码不正确")
    new = prepare_password(new_password)
    if verify_password(user.password_hash, new_password or ""):
        raise ValidationFailed("新密码不能和原来的一样" if not user.must_change_password
                               else "新密码不能和管理员给的临时密码一样")
    # Only if nobody changed it meanwhile (a reset, another device): a compare-and-set on what this request saw.
    done = session.execute(
        update(User)
        .where(User.id == user.id, User.token_version == user.token_version, User.password_hash == user.password_hash)
        .values(password_hash=new.hash, must_change_password=False, token_version=user.token_version + 1))
    if done.rowcount != 1:
        raise Conflict("密码刚被修改过，请重新登录")
    return user.token_version + 1


def unseen_reset_notices(session: Session, *, user_id: int) -> list[PasswordResetNotice]:
    return list(session.exec(select(PasswordResetNotice).where(PasswordResetNotice.user_id == user_id,
                                                               PasswordResetNotice.seen_at.is_(None))
                             .order_by(PasswordResetNotice.id)))


def mark_notices_seen(session: Session, *, notice_ids: list[int]) -> None:
    session.execute(update(PasswordResetNotice)
                    .where(PasswordResetNotice.id.in_(notice_ids), PasswordResetNotice.seen_at.is_(None))
                    .values(seen_at=utcnow()))
