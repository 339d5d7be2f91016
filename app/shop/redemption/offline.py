"""Offline pay codes (离线码, issue #21 item 3): while online, the pay screen fetches a few one-use codes that live
24 hours, each capped at the village's amount (default 100 points), and keeps them in the phone's storage; with
no network it shows one, labelled 离线码. They are pay codes like any other (the same table, stored as a keyed
hash, resolved and consumed by the same redemption); what differs: a cap (paycodes.check_offline_cap), no question
to the phone above the village's confirmation amount (it has no network), and revocation one by one or all at once
(挂失 on 我的, or an official). Back online, the phone asks for its codes' state and shows the receipts of those
used meanwhile. A newer batch replaces the member's earlier unused ones; `purge` removes them once dead."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, select

from app.audit.service import record_action
from app.errors import InvalidState, NotFound, RateLimited
from app.org.access import MAX_ID, OFFICIALS, Actor
from app.org.models import HOUSEHOLD_TARGET, Household
from app.org.settings import Rule, SettingsKind, declare_kind, read_settings, write_settings
from app.shop.access import require_village_open
from app.shop.models import ShopAction
from app.shop.redemption.models import PayCode, Redemption, VillageSettings
from app.shop.redemption.paycodes import code_digest, new_pay_code
from app.timeutil import as_utc, utcnow

OFFLINE_TTL = timedelta(hours=24)
BATCH = 5  # codes a phone keeps
BATCHES_PER_HOUR = 10  # a member may fetch this many batches an hour (each replaces the last)
LISTED_FOR = timedelta(days=7)  # the phone asks about codes fetched this recently
MAX_OFFLINE_CAP = 10_000

OFFLINE_CAP = declare_kind(SettingsKind(
    name="shop_offline", model=VillageSettings, writers=OFFICIALS, forbidden="只有村干部可以修改",
    label="修改离线码限额",
    rules={"offline_cap": Rule(0, MAX_OFFLINE_CAP, "离线码限额", message="{label}应为 {low} 到 {high} 积分")}))


def offline_cap(session: Session, *, village_id: int) -> int:
    """The most one offline code of the village pays for (0: the village offers none)."""
    return read_settings(session, OFFLINE_CAP, village_id).offline_cap


def set_offline_cap(session: Session, *, actor: Actor, village_id: int, cap: int) -> int:
    """An official sets the most one offline code pays for; codes already fetched keep the cap they were given."""
    row = write_settings(session, actor=actor, kind=OFFLINE_CAP, village_id=village_id,
                         values={"offline_cap": cap}, partial=False)
    return row.offline_cap


@dataclass
class IssuedCode:
    code: str
    row: PayCode


def issue_offline_codes(session: Session, *, actor: Actor, household: Household, secret: str,
                        now: datetime | None = None) -> list[IssuedCode]:
    """A fresh batch of offline codes for the member's phone; the member's earlier unused ones stop working (one
    phone's batch at a time). Refused while none of the village's shops is open, where the village set the cap to
    0, and past BATCHES_PER_HOUR batches an hour."""
    require_village_open(session, household.village_id)
    now = now or utcnow()
    cap = offline_cap(session, village_id=household.village_id)
    if cap <= 0:
        raise InvalidState("本村没有开通离线码")
    recent = session.exec(select(func.count()).select_from(PayCode).where(
        PayCode.user_id == actor.id, PayCode.offline_cap.is_not(None),
        PayCode.created_at > now - timedelta(hours=1))).one()
    if recent >= BATCH * BATCHES_PER_HOUR:
        raise RateLimited("离线码领取太频繁，请稍后再试", retry_after=3600)
    _revoke(session, now=now, household_id=household.id, user_id=actor.id)
    issued = []
    for _ in range(BATCH):
        code = new_pay_code()
        row = PayCode(code_hash=code_digest(code, secret=secret), household_id=household.id,
                      village_id=household.village_id, user_id=actor.id, expires_at=now + OFFLINE_TTL,
                      created_at=now, offline_cap=cap)
        session.add(row)
        issued.append(IssuedCode(code, row))
    session.flush()
    return issued


@dataclass
class CodeState:
    row: PayCode
    status: str  # live | used | revoked | expired
    redemption: Redemption | None


def my_offline_codes(session: Session, *, actor: Actor, now: datetime | None = None) -> list[CodeState]:
    """The member's offline codes fetched in the last week, newest first, each with what became of it (the phone
    drops the dead ones and shows the receipts of those used while it had no network)."""
    now = now or utcnow()
    rows = list(session.exec(select(PayCode, Redemption).join(Redemption, Redemption.pay_code_id == PayCode.id,
                                                             isouter=True)
                             .where(PayCode.user_id == actor.id, PayCode.offline_cap.is_not(None),
                                    PayCode.created_at > now - LISTED_FOR)
                             .order_by(PayCode.id.desc()).limit(BATCH * 20)))
    return [CodeState(row, _status(row, redemption, now), redemption) for row, redemption in rows]


def _status(row: PayCode, redemption: Redemption | None, now: datetime) -> str:
    if redemption is not None:
        return "used"
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if as_utc(row.expires_at) <= now else "live"


def revoke_mine(session: Session, *, actor: Actor, household: Household) -> int:
    """挂失: every live offline code of this member stops working at once (a lost phone); how many."""
    count = _revoke(session, now=utcnow(), household_id=household.id, user_id=actor.id)
    _record(session, actor=actor, household=household, count=count, scope="member")
    return count


def revoke_one(session: Session, *, actor: Actor, code_id: int) -> None:
    """One of the member's own offline codes stops working (another's is not found; a used one is 409)."""
    row = session.get(PayCode, code_id) if 0 < code_id <= MAX_ID else None
    if row is None or row.user_id != actor.id or row.offline_cap is None:
        raise NotFound("找不到这个离线码")
    if session.exec(select(Redemption.id).where(Redemption.pay_code_id == row.id)).first() is not None:
        raise InvalidState("这个离线码已经用过了")
    _revoke(session, now=utcnow(), household_id=row.household_id, user_id=actor.id, code_id=row.id)


def revoke_for_household(session: Session, *, actor: Actor, household: Household) -> int:
    """An official stops every live offline code of the household's members (a phone reported lost at the
    village office); how many."""
    actor.require(household.village_id, OFFICIALS, "只有村干部可以挂失")
    count = _revoke(session, now=utcnow(), household_id=household.id)
    _record(session, actor=actor, household=household, count=count, scope="household")
    return count


def _revoke(session: Session, *, now: datetime, household_id: int, user_id: int | None = None,
            code_id: int | None = None) -> int:
    """Mark live, unused offline codes revoked (one conditional UPDATE: a code used at this moment stays used)."""
    used = select(Redemption.pay_code_id).where(Redemption.pay_code_id.is_not(None))
    stmt = (update(PayCode).where(PayCode.household_id == household_id, PayCode.offline_cap.is_not(None),
                                  PayCode.revoked_at.is_(None), PayCode.expires_at > now, PayCode.id.not_in(used))
            .values(revoked_at=now).execution_options(synchronize_session=False))
    if user_id is not None:
        stmt = stmt.where(PayCode.user_id == user_id)
    if code_id is not None:
        stmt = stmt.where(PayCode.id == code_id)
    return session.execute(stmt).rowcount or 0


def _record(session: Session, *, actor: Actor, household: Household, count: int, scope: str) -> None:
    record_action(session, actor_id=actor.id, action=ShopAction.offline_codes_revoke,
                  village_id=household.village_id, target_type=HOUSEHOLD_TARGET, target_id=household.id,
                  target_label=household.head_name, detail={"revoked": count, "scope": scope})
