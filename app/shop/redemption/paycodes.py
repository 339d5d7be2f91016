"""Pay codes (积分码) and printed household cards: issuing, hashing, resolving at the counter."""

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete
from sqlmodel import Session, select

from app.audit.service import record_action
from app.errors import (
    DomainError,
    InvalidPayCode,
    InvalidState,
    NotFound,
    OfflineCapExceeded,
    PayCodeExpired,
    PayCodeRevoked,
    PayCodeUsed,
    RateLimited,
    ValidationFailed,
)
from app.idempotency import Created, run_idempotent
from app.ledger.service import household_balance
from app.org.access import MAX_ID, OFFICIALS, Actor
from app.org.models import HOUSEHOLD_TARGET, Household, User
from app.security import hash_password, verify_password
from app.shop.access import require_open, require_village_open
from app.shop.models import Shop, ShopAction
from app.shop.redemption.models import HouseholdCard, PayCode, Redemption, RedemptionConfirmation
from app.text import clean_reason
from app.timeutil import as_utc, local, utcnow

PAY_CODE_PREFIX, PAY_CODE_LENGTH = "66", 18
CARD_PREFIX, CARD_LENGTH = "99", 20
PAY_CODE_TTL = timedelta(seconds=60)
DEAD_CODE_KEPT = timedelta(minutes=10)  # an expired code still says 码已过期 (not 无效) for this long
PIN_TRIES, PIN_LOCK = 5, timedelta(minutes=15)


def code_digest(code: str, *, secret: str) -> str:
    """Keyed hash: a stolen database does not let anyone rebuild live codes."""
    return hmac.new(secret.encode(), f"paycode:{code}".encode(), hashlib.sha256).hexdigest()


def _random_digits(prefix: str, length: int) -> str:
    return prefix + "".join(secrets.choice("0123456789") for _ in range(length - len(prefix)))


def new_pay_code() -> str:
    """The digits of a fresh pay code (only their keyed hash is stored)."""
    return _random_digits(PAY_CODE_PREFIX, PAY_CODE_LENGTH)


def issue_pay_code(session: Session, *, user_id: int | None, household: Household, secret: str,
                   now: datetime | None = None, card_id: int | None = None) -> tuple[str, PayCode]:
    """A fresh one-use code for the household, good for 60 seconds at its village's shops (none while none of them
    is open)."""
    require_village_open(session, household.village_id)
    now = now or utcnow()
    _forget_dead_codes(session, household_id=household.id, now=now)
    code = _random_digits(PAY_CODE_PREFIX, PAY_CODE_LENGTH)
    row = PayCode(code_hash=code_digest(code, secret=secret), household_id=household.id,
                  village_id=household.village_id, user_id=user_id, card_id=card_id,
                  expires_at=now + PAY_CODE_TTL, created_at=now)
    session.add(row)
    session.flush()
    return code, row


def _forget_dead_codes(session: Session, *, household_id: int, now: datetime) -> None:
    """A phone showing 积分码 makes a code a minute: drop the household's unused ones long dead."""
    session.execute(delete(PayCode).where(PayCode.household_id == household_id, *_dead_and_unnamed(now)))


def _dead_and_unnamed(now: datetime) -> tuple:
    """Codes long dead that nothing names: a used one stays (its redemption points at it, I7), and so does one a
    villager was asked to confirm a redemption with."""
    used = select(Redemption.pay_code_id).where(Redemption.pay_code_id.is_not(None))
    asked = select(RedemptionConfirmation.pay_code_id)
    return (PayCode.expires_at < now - DEAD_CODE_KEPT, PayCode.id.not_in(used), PayCode.id.not_in(asked))


def purge_dead_codes(session: Session, *, now: datetime, limit: int) -> int:
    """At most `limit` dead, unnamed codes of any household removed (`python -m app purge`: households that stopped
    showing codes leave theirs behind); how many."""
    ids = list(session.exec(select(PayCode.id).where(*_dead_and_unnamed(now)).order_by(PayCode.id).limit(limit)))
    if ids:
        session.execute(delete(PayCode).where(PayCode.id.in_(ids)))
    return len(ids)


def code_belongs_to(session: Session, *, code: str, household_id: int | None, secret: str) -> bool:
    """Whether this (live or spent) code was issued to the household: for drawing its QR."""
    row = session.exec(select(PayCode).where(PayCode.code_hash == code_digest(code, secret=secret))).first()
    return row is not None and row.household_id == household_id


def clean_code(code: str | None) -> str:
    code = (code or "").replace(" ", "").strip()
    if not code.isdigit() or len(code) not in (PAY_CODE_LENGTH, CARD_LENGTH):
        raise InvalidPayCode("积分码应为 18 位数字，请重新扫码或核对后输入")
    return code


_RESOLVE = (select(PayCode, Redemption.id, Household, User).select_from(PayCode)
            .outerjoin(Redemption, Redemption.pay_code_id == PayCode.id)
            .join(Household, Household.id == PayCode.household_id)
            .outerjoin(User, User.id == PayCode.user_id)
            .where(PayCode.code_hash == bindparam("code_hash")))


def resolve_pay_code(session: Session, *, shop: Shop, code: str, secret: str, now: datetime | None = None
                     ) -> tuple[PayCode, Household]:
    """The live pay code for this shop and its household, or the refusal a villager can act on."""
    require_open(shop)
    code = clean_code(code)
    if len(code) == CARD_LENGTH:
        raise InvalidPayCode("这是家庭积分卡，请让村民输入卡密码")
    # The code, the redemption that used it (if one did), its household and the member it was issued to, in one
    # read (the member is then in the session: refuse_dead_owner finds it without asking again).
    row, used_by, household, _member = session.exec(_RESOLVE, params={"code_hash": code_digest(code, secret=secret)}
                                                    ).first() or (None, None, None, None)
    if row is None:
        raise InvalidPayCode()
    if row.village_id != shop.village_id:
        raise InvalidPayCode("非本村积分码")
    if used_by is not None:
        raise _naming(PayCodeUsed(), row)
    if as_utc(row.expires_at) <= (now or utcnow()):
        raise _naming(PayCodeExpired(), row)
    if row.revoked_at is not None:  # an offline code (离线码) stopped before its time
        raise _naming(PayCodeRevoked(), row)
    refuse_dead_owner(session, row)
    return row, household


def check_offline_cap(row: PayCode, total: int) -> None:
    """An offline code (离线码) pays for at most its cap; other codes are not capped here."""
    if row.offline_cap is not None and total > row.offline_cap:
        raise OfflineCapExceeded(f"离线码每次最多兑换 {row.offline_cap} 积分，这次共 {total} 积分：请减少商品，"
                                 "或让村民联网后出示积分码")


def may_ask_phone(row: PayCode) -> bool:
    """Whether a redemption by this code may wait for the villager's phone to confirm: not a card's code (its PIN
    was the proof) and not an offline code (the phone has no network; its cap bounds it instead)."""
    return row.card_id is None and row.offline_cap is None


def _naming(error: DomainError, row: PayCode) -> DomainError:
    """The refused code's id rides on the refusal: the counter's route tells the villager's screen to move on."""
    error.pay_code_id = row.id  # type: ignore[attr-defined]
    return error


def refuse_dead_owner(session: Session, row: PayCode) -> None:
    """A code dies with what it was issued from: the member's account (deactivated, or moved to another
    household) or the printed card (revoked, or replaced by a new one) — at once, not when its minute is up."""
    if row.user_id is not None:
        user = session.get(User, row.user_id)
        if user is None or not user.active or user.household_id != row.household_id:
            raise InvalidPayCode("该积分码已失效（账号已停用），请找村干部")
    if row.card_id is not None:
        card = session.get(HouseholdCard, row.card_id)
        if card is None or card.revoked_at is not None:
            raise InvalidPayCode("该积分卡已作废，请找村干部补办")


# --- printed cards ------------------------------------------------------------------------------------------

def clean_pin(pin: str | None) -> str:
    pin = (pin or "").strip()
    if not pin.isdigit() or not 4 <= len(pin) <= 6:
        raise ValidationFailed("卡密码应为 4 到 6 位数字", field="pin")
    return pin


def confirm_pin(pin: str | None, again: str | None) -> str:
    """The 卡密码 typed twice when a card is issued: the same both times (else both are typed again, from the first)."""
    pin = clean_pin(pin)
    if (again or "").strip() != pin:
        raise ValidationFailed("两次输入的卡密码不一致，请村民重新输入两次", field="pin")
    return pin


def issue_card(session: Session, *, actor: Actor, household: Household, pin: str, secret: str,
               idempotency_key: str | None = None) -> tuple[str, HouseholdCard]:
    """Print a new card for the household; any earlier card stops working. With a key, once: the card number is
    shown only when it is made (only its hash is kept), so a repeat is refused rather than making a second card
    that would void the first."""
    actor.require(household.village_id, OFFICIALS)
    pin = clean_pin(pin)
    issued: list[tuple[str, HouseholdCard]] = []

    def issue() -> Created:
        issued.append(_issue_card(session, actor=actor, household=household, pin=pin, secret=secret))
        return Created(id=issued[0][1].id)

    if idempotency_key is None:
        issue()
    else:
        run_idempotent(session, scope=f"user:{actor.id}:card.issue", key=idempotency_key,
                       payload={"household_id": household.id}, result_type=Created, action=issue)
    if not issued:
        raise InvalidState("这张积分卡刚刚已经发出。如果没有看到打印页，请作废这张卡后重新发卡")
    return issued[0]


def _issue_card(session: Session, *, actor: Actor, household: Household, pin: str, secret: str
                ) -> tuple[str, HouseholdCard]:
    for old in active_cards(session, household_id=household.id):
        old.revoked_at = utcnow()
        session.add(old)
    code = _random_digits(CARD_PREFIX, CARD_LENGTH)
    card = HouseholdCard(household_id=household.id, code_hash=code_digest(code, secret=secret),
                         pin_hash=hash_password(pin), issued_by=actor.id)
    session.add(card)
    session.flush()
    record_action(session, actor_id=actor.id, action=ShopAction.card_issue, village_id=household.village_id,
                  target_type=HOUSEHOLD_TARGET, target_id=household.id, target_label=household.head_name,
                  detail={"card_id": card.id})
    return code, card


def revoke_card(session: Session, *, actor: Actor, household: Household, card_id: int, reason: str) -> HouseholdCard:
    """Stop a lost or replaced card from working."""
    actor.require(household.village_id, OFFICIALS)
    card = session.get(HouseholdCard, card_id) if 0 < card_id <= MAX_ID else None
    if card is None or card.household_id != household.id:
        raise NotFound("找不到该积分卡")
    reason = clean_reason(reason, label="作废原因")
    if card.revoked_at is None:
        card.revoked_at = utcnow()
        session.add(card)
        record_action(session, actor_id=actor.id, action=ShopAction.card_revoke, village_id=household.village_id,
                      target_type=HOUSEHOLD_TARGET, target_id=household.id, target_label=household.head_name,
                      reason=reason,
                      detail={"card_id": card.id})
    return card


def active_cards(session: Session, *, household_id: int) -> list[HouseholdCard]:
    return list(session.exec(select(HouseholdCard).where(HouseholdCard.household_id == household_id,
                                                         HouseholdCard.revoked_at.is_(None))))


@dataclass
class CardUnlock:
    """The outcome of a card + PIN at the counter: a one-use pay code, or the refusal (after failures are saved)."""

    code: str | None = None
    pay_code: PayCode | None = None
    error: DomainError | None = None


def unlock_card(session: Session, *, shop: Shop, card_code: str, pin: str, secret: str,
                tz: str = "Asia/Shanghai") -> CardUnlock:
    """Card + 卡密码 → a 60-second pay code for the card's household (`check_card`)."""
    require_open(shop)
    card, error = check_card(session, village_id=shop.village_id, card_code=card_code, pin=pin, secret=secret, tz=tz)
    if card is None:
        return CardUnlock(error=error)
    household = session.get(Household, card.household_id)
    code, row = issue_pay_code(session, user_id=None, household=household, secret=secret, now=utcnow(),
                               card_id=card.id)
    return CardUnlock(code=code, pay_code=row)


def check_card(session: Session, *, village_id: int, card_code: str, pin: str, secret: str,
               tz: str = "Asia/Shanghai") -> tuple[HouseholdCard | None, DomainError | None]:
    """A household card of the village and its 卡密码, as the counter or the station takes them (a household without
    a smartphone proves it is there): the card, or the refusal. Wrong PINs are counted and lock the card for
    PIN_LOCK; the refusal says when it unlocks (local time, `tz`) and who can help sooner. The caller saves the
    count (commits) before it answers with the refusal."""
    card_code = clean_code(card_code)
    card = session.exec(select(HouseholdCard).where(
        HouseholdCard.code_hash == code_digest(card_code, secret=secret))).first()
    if card is None or len(card_code) != CARD_LENGTH:
        return None, InvalidPayCode("无效的积分卡")
    household = session.get(Household, card.household_id)
    if card.revoked_at is not None:
        return None, InvalidPayCode("该积分卡已作废，请找村干部补办")
    if household.village_id != village_id:
        return None, InvalidPayCode("非本村积分码")
    now = utcnow()
    if card.locked_until is not None and as_utc(card.locked_until) > now:
        return None, card_locked(as_utc(card.locked_until), now=now, tz=tz)
    if not verify_password(card.pin_hash, (pin or "").strip()):
        card.pin_failures += 1
        left = PIN_TRIES - card.pin_failures
        if left <= 0:
            card.pin_failures, card.locked_until = 0, now + PIN_LOCK
            error: DomainError = card_locked(now + PIN_LOCK, now=now, tz=tz)
        else:
            error = InvalidPayCode(f"卡密码错误，还可尝试 {left} 次")
        session.add(card)
        return None, error
    card.pin_failures, card.locked_until = 0, None
    session.add(card)
    return card, None


def card_locked(until: datetime, *, now: datetime, tz: str) -> RateLimited:
    """The refusal for a locked card, in words the attendant can pass on: when it unlocks by itself (the clock time
    here) and that a 村干部 can issue a new card with a new 卡密码 at once (the only way round the wait)."""
    local_until, local_now = local(until, tz), local(now, tz)
    day = "" if local_until.date() == local_now.date() else "明天 "
    return RateLimited(f"卡密码连续输错 {PIN_TRIES} 次，此卡已锁定，{day}{local_until:%H:%M} 自动解锁 · "
                       "村民忘了卡密码，请找村干部补办新卡",
                       retry_after=max(1, math.ceil((until - now).total_seconds())))


def payer_balance(session: Session, *, household_id: int) -> int:
    """What the payer can spend (points due back from a request past its time included: app.ledger.service)."""
    return household_balance(session, household_id=household_id)
