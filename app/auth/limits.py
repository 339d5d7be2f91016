"""Login throttling per phone and per client address (429 rate_limited)."""

from fastapi import Request

from app.errors import RateLimited


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def throttle_login(request: Request, phone: str) -> None:
    """Count a login attempt; refuse once the phone or the client address is over its limit."""
    state = request.app.state
    for limiter, key in ((state.login_by_client, client_address(request)), (state.login_by_phone, phone.strip())):
        wait = limiter.hit(key)
        if wait is not None:
            raise RateLimited(f"登录尝试次数过多，请 {max(1, wait // 60 or 1)} 分钟后再试", retry_after=wait)


def forget_failures(request: Request, phone: str) -> None:
    request.app.state.login_by_phone.reset(phone.strip())
