"""Sign-in throttling without lock-out (OWASP's advice against online guessing): 429 rate_limited.

Three counts, in this process's memory on SQLite (one process), in PostgreSQL when it serves several
(app/ratelimit_db.py):
- per phone and address: the first LOGIN_FREE_FAILURES wrong passwords cost nothing; after that the pair waits
  1, 2, 4 … seconds (at most LOGIN_MAX_DELAY) before each next try. The right password clears the pair.
- per phone, across every address: a much higher ceiling (LOGIN_ATTEMPTS_PER_PHONE in LOGIN_WINDOW_SECONDS) that
  holds a guesser spread over many addresses. It does not hold an address that has signed into that phone before:
  strangers' guesses cannot lock a villager out of their own phone.
- per address, across phones: LOGIN_ATTEMPTS_PER_CLIENT in the window (one address guessing many phones).
A try counts the moment it arrives (a burst of parallel guesses is counted before any is checked); a right password
gives its try back. The counts depend on the phone as typed, never on whether it exists: the answer is the same.
"""

from contextlib import AbstractContextManager
from dataclasses import dataclass

from app.config import Settings
from app.errors import RateLimited
from app.ratelimit import Backoffs, Recent, Window
from app.ratelimit_db import Limiters

KNOWN_FOR_SECONDS = 30 * 24 * 3600  # an address that signed into a phone stays "its own" this long


@dataclass
class LoginLimits:
    pair: Backoffs
    by_phone: Window
    by_client: Window
    known: Recent
    lock: AbstractContextManager


def make_login_limits(settings: Settings, limiters: Limiters | None = None) -> LoginLimits:
    """The counts for these settings, made by `limiters` (app.main.bind_app: shared on PostgreSQL; else in memory)."""
    limiters = limiters or Limiters()
    window = settings.login_window_seconds
    return LoginLimits(
        pair=limiters.backoff("login.pair", free=settings.login_free_failures, cap=settings.login_max_delay,
                              forget=window),
        by_phone=limiters.window("login.phone", limit=settings.login_attempts_per_phone, window_seconds=window),
        by_client=limiters.window("login.client", limit=settings.login_attempts_per_client, window_seconds=window),
        known=limiters.recent("login.known", max_age=KNOWN_FOR_SECONDS),
        lock=limiters.lock("login"))


def _pair(phone: str, client: str) -> str:
    return f"{(phone or '').strip()}|{client}"


def throttle_login(limits: LoginLimits, *, client: str, phone: str) -> None:
    """Count a sign-in try from `client` for `phone`, or refuse it (429) while one of the three counts says wait."""
    phone, pair = (phone or "").strip(), _pair(phone, client)
    own_address = pair in limits.known
    with limits.lock:  # check all three, then count in all three: a refusal by one costs nothing in the others
        waits = [limits.pair.wait(pair), limits.by_client.wait(client),
                 None if own_address else limits.by_phone.wait(phone)]
        wait = max((w for w in waits if w), default=None)
        if wait is None:
            limits.pair.fail(pair)
            limits.by_client.hit(client)
            if not own_address:
                limits.by_phone.hit(phone)
    if wait is not None:
        raise RateLimited(f"登录尝试次数过多，请 {_in_words(wait)}后再试", retry_after=wait)


def signed_in(limits: LoginLimits, *, client: str, phone: str) -> None:
    """The try was the right password: clear the pair, give the try back, remember the address as the phone's own."""
    phone, pair = (phone or "").strip(), _pair(phone, client)
    with limits.lock:
        limits.pair.clear(pair)
        limits.by_client.give_back(client)
        if pair not in limits.known:
            limits.by_phone.give_back(phone)
        limits.known.add(pair)


def _in_words(seconds: int) -> str:
    return f"{seconds} 秒" if seconds < 60 else f"{-(-seconds // 60)} 分钟"
