"""Login throttling per phone and per client address (429 rate_limited)."""

from dataclasses import dataclass

from app.errors import RateLimited
from app.ratelimit import SlidingWindowLimiter


@dataclass
class LoginLimits:
    by_phone: SlidingWindowLimiter
    by_client: SlidingWindowLimiter


def throttle_login(limits: LoginLimits, *, client: str, phone: str) -> None:
    """Count a login attempt; refuse once the phone or the client address is over its limit."""
    for limiter, key in ((limits.by_client, client), (limits.by_phone, phone.strip())):
        wait = limiter.hit(key)
        if wait is not None:
            raise RateLimited(f"登录尝试次数过多，请 {max(1, wait // 60 or 1)} 分钟后再试", retry_after=wait)


def forget_failures(limits: LoginLimits, *, phone: str) -> None:
    limits.by_phone.reset(phone.strip())
