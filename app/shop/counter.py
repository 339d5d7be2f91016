"""At the counter: who is paying (masked), their balance, and throttling of code tries per attendant."""

from datetime import datetime

from sqlmodel import Session, SQLModel

from app.errors import RateLimited
from app.org.models import Household
from app.org.service import mask_name
from app.ratelimit import SlidingWindowLimiter
from app.shop.models import Shop
from app.shop.paycodes import payer_balance, resolve_pay_code


class PayerPublic(SQLModel):
    pay_code: str
    household_id: int
    household_name: str  # masked: 王*国
    balance: int
    expires_at: datetime


def describe_payer(session: Session, *, shop: Shop, code: str, secret: str) -> PayerPublic:
    """Check a scanned code without using it, and say whose it is."""
    row = resolve_pay_code(session, shop=shop, code=code, secret=secret)
    household = session.get(Household, row.household_id)
    return PayerPublic(pay_code=code.strip(), household_id=household.id, household_name=mask_name(household.head_name),
                       balance=payer_balance(session, household_id=household.id), expires_at=row.expires_at)


def throttle_code_tries(limiter: SlidingWindowLimiter, attendant_id: int) -> None:
    """An attendant may look up at most so many codes a minute (guessing codes is pointless and slow)."""
    wait = limiter.hit(str(attendant_id))
    if wait is not None:
        raise RateLimited("扫码太频繁，请稍后再试", retry_after=wait)
