"""Limiters in this process's memory: a sliding window, a growing back-off and a short memory of recent pairs. Each
takes a clock, so that tests move time by hand instead of sleeping. With several server processes on PostgreSQL the
same three are kept in the database instead (app/ratelimit_db.py); the protocols below are what callers rely on."""

import math
import threading
import time
from collections import OrderedDict, defaultdict, deque
from collections.abc import Callable
from typing import Protocol

Clock = Callable[[], float]
SWEEP_EVERY = 10_000  # keys: past this many, entries that no longer count are dropped (memory stays bounded)


class Window(Protocol):
    limit: int

    def hit(self, key: str) -> int | None: ...
    def wait(self, key: str) -> int | None: ...
    def give_back(self, key: str) -> None: ...
    def reset(self, key: str) -> None: ...


class Backoffs(Protocol):
    def wait(self, key: str) -> int | None: ...
    def fail(self, key: str) -> None: ...
    def clear(self, key: str) -> None: ...


class Recent(Protocol):
    def add(self, key: str) -> None: ...
    def __contains__(self, key: str) -> bool: ...


def window_wait(first: float, *, window: float, now: float) -> int:
    """Whole seconds until the oldest counted hit (at `first`) leaves the window: at least 1."""
    return max(1, int(first + window - now) + 1)


def backoff_wait(count: int, latest: float, *, free: int, base: float, cap: float, now: float) -> int | None:
    """Whole seconds still to wait after `count` failures in a row, the latest at `latest`, or None."""
    if count < free:
        return None
    left = latest + min(cap, base * 2 ** (count - free)) - now
    return math.ceil(left) if left > 0 else None


class SlidingWindowLimiter:
    def __init__(self, *, limit: int, window_seconds: int, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.window = window_seconds
        self.clock = clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Count one attempt for `key`; the seconds to wait if it is over the limit, else None."""
        now = self.clock()
        with self._lock:
            hits = self._live(key, now)
            if len(hits) >= self.limit:
                return window_wait(hits[0], window=self.window, now=now)
            hits.append(now)
            if len(self._hits) > SWEEP_EVERY:
                self._sweep(now)
            return None

    def wait(self, key: str) -> int | None:
        """The seconds `key` must wait before its next attempt would count, without counting one."""
        now = self.clock()
        with self._lock:
            hits = self._hits.get(key)
            if not hits:
                return None
            hits = self._live(key, now)
            return window_wait(hits[0], window=self.window, now=now) if len(hits) >= self.limit else None

    def give_back(self, key: str) -> None:
        """Forget the latest attempt of `key` (it turned out to be a good one)."""
        with self._lock:
            hits = self._hits.get(key)
            if hits:
                hits.pop()

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)

    def _live(self, key: str, now: float) -> deque[float]:
        hits = self._hits[key]
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def _sweep(self, now: float) -> None:
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]:
            del self._hits[key]


class Backoff:
    """Failures per key: the first `free` cost nothing; after that each try waits `base`·2^(n−free) seconds from the
    latest failure, at most `cap`. A key is forgotten `forget` seconds after its latest failure, or when cleared."""

    def __init__(self, *, free: int, cap: float, forget: float, base: float = 1.0,
                 clock: Clock = time.monotonic) -> None:
        self.free, self.cap, self.forget, self.base, self.clock = free, cap, forget, base, clock
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (failures in a row, time of the latest)
        self._lock = threading.Lock()

    def wait(self, key: str) -> int | None:
        """The whole seconds `key` must still wait before its next try, or None."""
        now = self.clock()
        with self._lock:
            count, latest = self._current(key, now)
        return backoff_wait(count, latest, free=self.free, base=self.base, cap=self.cap, now=now)

    def fail(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            count, _ = self._current(key, now)
            self._failures[key] = (count + 1, now)
            if len(self._failures) > SWEEP_EVERY:
                for stale in [k for k, (_, t) in self._failures.items() if now - t >= self.forget]:
                    del self._failures[stale]

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _current(self, key: str, now: float) -> tuple[int, float]:
        count, latest = self._failures.get(key, (0, now))
        if count and now - latest >= self.forget:
            del self._failures[key]
            return 0, now
        return count, latest


class RecentKeys:
    """Keys seen within `max_age` seconds, at most `max_size` of them (the oldest go first)."""

    def __init__(self, *, max_age: float, max_size: int = 50_000, clock: Clock = time.monotonic) -> None:
        self.max_age, self.max_size, self.clock = max_age, max_size, clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: str) -> None:
        with self._lock:
            self._seen[key] = self.clock()
            self._seen.move_to_end(key)
            while len(self._seen) > self.max_size:
                self._seen.popitem(last=False)

    def __contains__(self, key: str) -> bool:
        with self._lock:
            seen = self._seen.get(key)
            return seen is not None and self.clock() - seen < self.max_age
