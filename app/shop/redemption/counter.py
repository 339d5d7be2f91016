"""At the counter: who is paying (masked), their balance, and throttling of code tries per attendant and shop."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, SQLModel

from app.config import Settings
from app.errors import InvalidPayCode, PayCodeExpired, PayCodeUsed, RateLimited
from app.org.service import mask_name
from app.ratelimit import Recent, Window
from app.ratelimit_db import Limiters
from app.shop.models import Shop
from app.shop.redemption.paycodes import payer_balance, resolve_pay_code

# The refusals that say "no such live code here": what a guesser gets, and what is counted against them.
CODE_FAILURES = (InvalidPayCode, PayCodeExpired, PayCodeUsed)
THROTTLED = "扫码失败次数太多，请 {minutes} 分钟后再试 · 如果村民的码一直扫不上，请让村民刷新积分码"


class PayerPublic(SQLModel):
    pay_code: str
    household_id: int
    household_name: str  # masked: 王*国
    balance: int
    expires_at: datetime


def describe_payer(session: Session, *, shop: Shop, code: str, secret: str) -> PayerPublic:
    """Check a scanned code without using it, and say whose it is."""
    row, household = resolve_pay_code(session, shop=shop, code=code, secret=secret)
    return PayerPublic(pay_code=code.strip(), household_id=household.id, household_name=mask_name(household.head_name),
                       balance=payer_balance(session, household_id=household.id), expires_at=row.expires_at)


def throttle_code_tries(limiter: Window, attendant_id: int) -> None:
    """An attendant may look up at most so many codes a minute (guessing codes is pointless and slow)."""
    wait = limiter.hit(str(attendant_id))
    if wait is not None:
        raise RateLimited("扫码太频繁，请稍后再试", retry_after=wait)


@dataclass
class CodeFailureLimits:
    """Failed look-ups of a pay code or card number, counted per attendant and per shop (a guesser with several
    attendant accounts still meets the shop's ceiling). Successful look-ups are not counted."""

    by_attendant: Window
    by_shop: Window
    # Codes the counter refused as used or expired (by pay code id), for a little while: the villager's open
    # screen (/pay/wait) sees its code among them and shows a fresh one at once.
    refused: Recent

    def keys(self, *, attendant_id: int, shop_id: int) -> list[tuple[Window, str]]:
        return [(self.by_attendant, f"user:{attendant_id}"), (self.by_shop, f"shop:{shop_id}")]


def make_code_failure_limits(settings: Settings, limiters: Limiters | None = None) -> CodeFailureLimits:
    """The counts for these settings, made by `limiters` (app.main.bind_app: shared on PostgreSQL; else in memory)."""
    limiters = limiters or Limiters()
    window = settings.code_failure_window_seconds
    return CodeFailureLimits(
        by_attendant=limiters.window("code.attendant", limit=settings.code_failures_per_attendant,
                                     window_seconds=window),
        by_shop=limiters.window("code.shop", limit=settings.code_failures_per_shop, window_seconds=window),
        refused=limiters.recent("code.refused", max_age=180, max_size=10_000))


def _refuse(wait: int) -> RateLimited:
    return RateLimited(THROTTLED.format(minutes=max(1, -(-wait // 60))), retry_after=wait)


@contextmanager
def counting_code_failures(limits: CodeFailureLimits, *, attendant_id: int, shop_id: int) -> Iterator[None]:
    """Around anything that looks a code or card number up: refused at once (429) while the attendant or the shop
    is over its ceiling of failures; a refusal of the code inside (unknown, expired, used…) is counted, and answered
    429 instead when the count is full by then (look-ups that began together, here or in another server process, let
    no more refusals through than the ceiling)."""
    keys = limits.keys(attendant_id=attendant_id, shop_id=shop_id)
    waits = [w for w in (limiter.wait(key) for limiter, key in keys) if w is not None]
    if waits:
        raise _refuse(max(waits))
    try:
        yield
    except CODE_FAILURES as exc:
        waits = [w for w in (limiter.hit(key) for limiter, key in keys) if w is not None]
        refused_id = getattr(exc, "pay_code_id", None)
        if refused_id is not None:
            limits.refused.add(str(refused_id))
        if waits:
            raise _refuse(max(waits)) from exc
        raise
