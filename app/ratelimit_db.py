"""The limiters of app/ratelimit.py kept in PostgreSQL, so that every server process counts the same tries (issue #19:
with two workers each would otherwise give a guesser its own allowance). `Limiters` builds either kind for an app.

Each limiter has a scope (`login.pair`, `code.shop` …) and keys within it. A sliding window keeps one row per counted
hit in `limiter_hits`; a back-off (failures in a row and the latest) and a recent key (when it was last seen) keep one
row per key in `limiter_marks`. Every operation is a short transaction of its own on the app's engine, committed at
once: a try counts even when the request that made it is refused and rolled back. Counting under a limit is atomic
across processes: a hit takes a transaction-level advisory lock on its scope and key first, and a failure is one
INSERT … ON CONFLICT. Rows past their use go as the key comes back, and each scope is swept now and then.

SQLite stays in memory: it serves one process, and a limiter's write beside a request's write transaction would wait
for SQLite's one writer, which that very request holds."""

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Engine, Float, Index, String, text
from sqlmodel import Field, SQLModel

from app.ratelimit import (
    Backoff,
    Backoffs,
    Clock,
    Recent,
    RecentKeys,
    SlidingWindowLimiter,
    Window,
    backoff_wait,
    window_wait,
)

MAX_KEY = 128  # longer keys (a phone as typed can be anything) are kept as their digest
SWEEP_EVERY = 1000  # writes of one limiter between sweeps of its scope's dead rows


class LimiterHit(SQLModel, table=True):
    """One counted try of a sliding window."""

    __tablename__ = "limiter_hits"
    __table_args__ = (Index("ix_limiter_hits_scope_key_at", "scope", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=32)
    key: str = Field(max_length=MAX_KEY + 8)
    at: float = Field(sa_column=Column(Float, nullable=False))  # seconds since the epoch


class LimiterMark(SQLModel, table=True):
    """A key's failures in a row (back-off) or the time it was last seen (recent keys)."""

    __tablename__ = "limiter_marks"

    scope: str = Field(sa_column=Column(String(32), primary_key=True))
    key: str = Field(sa_column=Column(String(MAX_KEY + 8), primary_key=True))
    count: int = 0
    at: float = Field(sa_column=Column(Float, nullable=False))


def stored_key(key: str) -> str:
    return key if len(key) <= MAX_KEY else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class Store:
    """Connections for the limiters: a transaction of each operation's own, or the one of a `SharedLock` held by
    this thread (its operations then run inside that lock's transaction)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._held = threading.local()

    @contextmanager
    def begin(self, *, write: bool = True) -> Iterator[Connection]:
        held = getattr(self._held, "conn", None)
        if held is not None:
            yield held
            return
        with self.engine.begin() as conn:
            if write:
                _not_flushed(conn)
            yield conn

    @contextmanager
    def hold(self, name: str) -> Iterator[None]:
        with self.engine.begin() as conn:
            _not_flushed(conn)
            lock(conn, name)
            self._held.conn = conn
            try:
                yield
            finally:
                self._held.conn = None


def _not_flushed(conn: Connection) -> None:
    """A count need not wait for the disk (a crash may forget the last few tries; it never half-writes one): each
    write costs a third of what a flushed commit does (docs/performance.md)."""
    conn.execute(text("SET LOCAL synchronous_commit TO OFF"))


def lock(conn: Connection, name: str) -> None:
    """Until this transaction ends, one process at a time for `name` (PostgreSQL grants waiters in turn)."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name})


class SharedLock:
    """`with lock:` around several limiters' operations: one process (and thread) at a time, like threading.Lock."""

    def __init__(self, store: Store, name: str) -> None:
        self.store, self.name = store, name
        self._open = threading.local()

    def __enter__(self) -> "SharedLock":
        self._open.holding = self.store.hold(self.name)
        self._open.holding.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._open.holding.__exit__(*exc)


class _Scoped:
    def __init__(self, store: Store, scope: str, clock: Clock) -> None:
        self.store, self.scope, self.clock = store, scope, clock
        self._writes = 0

    def _args(self, key: str, **more) -> dict:
        return {"scope": self.scope, "key": stored_key(key), **more}

    def _sweep_now(self) -> bool:
        self._writes += 1
        return self._writes % SWEEP_EVERY == 0


class SharedWindow(_Scoped):
    def __init__(self, store: Store, scope: str, *, limit: int, window_seconds: int, clock: Clock) -> None:
        super().__init__(store, scope, clock)
        self.limit, self.window = limit, window_seconds

    def hit(self, key: str) -> int | None:
        """Count one attempt for `key`; the seconds to wait if it is over the limit, else None."""
        now = self.clock()
        args = self._args(key, now=now, edge=now - self.window, limit=self.limit)
        with self.store.begin() as conn:
            lock(conn, f"{self.scope}\x1f{args['key']}")
            live, first = conn.execute(text(
                "WITH gone AS (DELETE FROM limiter_hits WHERE scope = :scope AND key = :key AND at <= :edge), "
                "live AS (SELECT count(*) AS n, min(at) AS first FROM limiter_hits "
                "         WHERE scope = :scope AND key = :key AND at > :edge), "
                "added AS (INSERT INTO limiter_hits (scope, key, at) SELECT :scope, :key, :now FROM live "
                "          WHERE n < :limit) "
                "SELECT n, first FROM live"), args).one()
            if self._sweep_now():
                conn.execute(text("DELETE FROM limiter_hits WHERE scope = :scope AND at <= :edge"), args)
        return window_wait(first, window=self.window, now=now) if live >= self.limit else None

    def wait(self, key: str) -> int | None:
        """The seconds `key` must wait before its next attempt would count, without counting one."""
        now = self.clock()
        with self.store.begin(write=False) as conn:
            live, first = conn.execute(text(
                "SELECT count(*), min(at) FROM limiter_hits WHERE scope = :scope AND key = :key AND at > :edge"),
                self._args(key, edge=now - self.window)).one()
        return window_wait(first, window=self.window, now=now) if live >= self.limit else None

    def give_back(self, key: str) -> None:
        """Forget the latest attempt of `key` (it turned out to be a good one)."""
        with self.store.begin() as conn:
            conn.execute(text(
                "DELETE FROM limiter_hits WHERE id = (SELECT id FROM limiter_hits WHERE scope = :scope AND key = :key "
                "ORDER BY at DESC, id DESC LIMIT 1 FOR UPDATE SKIP LOCKED)"), self._args(key))

    def reset(self, key: str) -> None:
        with self.store.begin() as conn:
            conn.execute(text("DELETE FROM limiter_hits WHERE scope = :scope AND key = :key"), self._args(key))


class SharedBackoff(_Scoped):
    """Failures in a row per key, as app.ratelimit.Backoff counts them."""

    def __init__(self, store: Store, scope: str, *, free: int, cap: float, forget: float, base: float = 1.0,
                 clock: Clock) -> None:
        super().__init__(store, scope, clock)
        self.free, self.cap, self.forget, self.base = free, cap, forget, base

    def wait(self, key: str) -> int | None:
        now = self.clock()
        with self.store.begin(write=False) as conn:
            row = conn.execute(text("SELECT count, at FROM limiter_marks WHERE scope = :scope AND key = :key"),
                               self._args(key)).one_or_none()
        if row is None or now - row.at >= self.forget:
            return None
        return backoff_wait(row.count, row.at, free=self.free, base=self.base, cap=self.cap, now=now)

    def fail(self, key: str) -> None:
        now = self.clock()
        args = self._args(key, now=now, forget=self.forget, edge=now - self.forget)
        with self.store.begin() as conn:
            conn.execute(text(
                "INSERT INTO limiter_marks (scope, key, count, at) VALUES (:scope, :key, 1, :now) "
                "ON CONFLICT (scope, key) DO UPDATE SET at = :now, count = CASE "
                "WHEN :now - limiter_marks.at >= :forget THEN 1 ELSE limiter_marks.count + 1 END"), args)
            if self._sweep_now():
                conn.execute(text("DELETE FROM limiter_marks WHERE scope = :scope AND at <= :edge"), args)

    def clear(self, key: str) -> None:
        with self.store.begin() as conn:
            conn.execute(text("DELETE FROM limiter_marks WHERE scope = :scope AND key = :key"), self._args(key))


class SharedRecentKeys(_Scoped):
    """Keys seen within `max_age` seconds, as app.ratelimit.RecentKeys keeps them (bounded by age alone)."""

    def __init__(self, store: Store, scope: str, *, max_age: float, clock: Clock) -> None:
        super().__init__(store, scope, clock)
        self.max_age = max_age

    def add(self, key: str) -> None:
        now = self.clock()
        args = self._args(key, now=now, edge=now - self.max_age)
        with self.store.begin() as conn:
            conn.execute(text("INSERT INTO limiter_marks (scope, key, count, at) VALUES (:scope, :key, 0, :now) "
                              "ON CONFLICT (scope, key) DO UPDATE SET at = :now"), args)
            if self._sweep_now():
                conn.execute(text("DELETE FROM limiter_marks WHERE scope = :scope AND at <= :edge"), args)

    def __contains__(self, key: str) -> bool:
        with self.store.begin(write=False) as conn:
            return conn.execute(text(
                "SELECT 1 FROM limiter_marks WHERE scope = :scope AND key = :key AND at > :edge"),
                self._args(key, edge=self.clock() - self.max_age)).first() is not None


@dataclass(frozen=True)
class Limiters:
    """Makes an app's limiters: in this process's memory (no store: SQLite, one process), or kept in PostgreSQL and
    shared by every process on it. The clock is the monotonic one in memory, the wall clock when shared (the same in
    every process), unless a test brings its own."""

    store: Store | None = None
    clock: Clock | None = None

    def _clock(self) -> Clock:
        return self.clock or (time.time if self.store else time.monotonic)

    def window(self, scope: str, *, limit: int, window_seconds: int) -> Window:
        if self.store is None:
            return SlidingWindowLimiter(limit=limit, window_seconds=window_seconds, clock=self._clock())
        return SharedWindow(self.store, scope, limit=limit, window_seconds=window_seconds, clock=self._clock())

    def backoff(self, scope: str, *, free: int, cap: float, forget: float) -> Backoffs:
        if self.store is None:
            return Backoff(free=free, cap=cap, forget=forget, clock=self._clock())
        return SharedBackoff(self.store, scope, free=free, cap=cap, forget=forget, clock=self._clock())

    def recent(self, scope: str, *, max_age: float, max_size: int = 50_000) -> Recent:
        if self.store is None:
            return RecentKeys(max_age=max_age, max_size=max_size, clock=self._clock())
        return SharedRecentKeys(self.store, scope, max_age=max_age, clock=self._clock())

    def lock(self, scope: str):
        """For `with`: one at a time around several limiters' operations (here, or across processes)."""
        return threading.Lock() if self.store is None else SharedLock(self.store, scope)


def limiters_for(engine: Engine) -> Limiters:
    """Shared through the database on PostgreSQL, in this process on SQLite."""
    return Limiters(Store(engine) if engine.dialect.name == "postgresql" else None)
