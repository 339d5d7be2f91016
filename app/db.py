"""Engines and sessions: SQLite (WAL, synchronous=FULL, BEGIN IMMEDIATE for writes) or PostgreSQL.

No request holds a connection while it waits: the sign-in check reads in a session of its own that is closed at once
(on SQLite on the event loop itself, on a connection of the loop's own: `loop_reader`), a write session takes its
place in SQLite's writer queue only when it first touches the database (so decoding a photo or hashing a password
before that holds nothing) and leaves it when its transaction ends, and every wait — for the writer, a free
connection, a row lock — is bounded and answered 503 `busy` (app/errors.py)."""
from __future__ import annotations

import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import anyio
import anyio.to_thread
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import SingletonThreadPool
from sqlmodel import Session, SQLModel, create_engine

from app.config import DbLimits
from app.errors import Busy, ValidationFailed
from app.metrics import WRITER_WAIT
from app.queueing import FairLock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION

WRITE_OPTION = "zf_write"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def make_engine(url: str, *, limits: DbLimits | None = None, **kwargs) -> Engine:
    """An engine for `url` with the pool and waits of `limits`; on SQLite the pragmas and BEGIN handling the ledger
    relies on."""
    limits = limits or DbLimits()
    parsed = make_url(url)
    pool = {"pool_size": limits.pool_size, "max_overflow": limits.max_overflow, "pool_timeout": limits.pool_timeout}
    if parsed.get_backend_name() == "sqlite":
        memory = not parsed.database or parsed.database == ":memory:"
        if not memory:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs = {**pool, **kwargs}
        engine = _sqlite_engine(url, wait=limits.write_wait, **kwargs)
        with _writers_guard:  # one queue per database file, whichever engine reaches it
            _writers.setdefault(_key(engine), _Writer(FairLock(), limits.write_wait)).wait = limits.write_wait
        return engine
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    # A row lock held by another request is waited for at most write_wait (then 503 busy, not a stuck request).
    options = f"-c lock_timeout={int(limits.write_wait * 1000)}"
    connect_args = {"options": options, **kwargs.pop("connect_args", {})}
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args, **{**pool, **kwargs})
    _refuse_unstorable_values(engine)
    return engine


def _sqlite_engine(url, *, wait: float, **kwargs) -> Engine:
    """A SQLite engine with the pragmas and BEGIN handling the ledger relies on; a lock is waited for `wait` s."""
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": wait}, **kwargs)
    _configure_sqlite(engine, busy_ms=int(wait * 1000))
    _refuse_unstorable_values(engine)
    return engine


def _refuse_unstorable_values(engine: Engine) -> None:
    """The last line behind the checks at the edge (app/ids.py, app/text.py): a value neither database can take is
    refused as 422 before it is sent, the same on both engines, instead of failing inside the driver as a 500 —
    a whole number beyond 64 bits (SQLite: OverflowError) or text holding NUL (PostgreSQL: DataError), from
    whatever the request carried: a search, a pay code, a form key, a phone number."""

    @event.listens_for(engine, "before_cursor_execute")
    def _check(_conn, _cursor, _statement, parameters, _context, _executemany) -> None:
        refused = _unstorable(parameters)
        if refused is not None:
            raise ValidationFailed(refused)


def _unstorable(parameters) -> str | None:
    """Why one statement's parameters (a tuple or a dict, or a list of them: executemany) cannot be stored, or None.
    One call per set of parameters, not per value: it runs before every statement."""
    for value in parameters.values() if isinstance(parameters, dict) else parameters or ():
        if isinstance(value, str):
            if "\x00" in value:
                return "内容含有无法保存的字符"
        elif isinstance(value, int):
            if not INT64_MIN <= value <= INT64_MAX:
                return "数字超出范围"
        elif isinstance(value, dict | list | tuple) and (refused := _unstorable(value)) is not None:
            return refused
    return None


def _configure_sqlite(engine: Engine, *, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Take transaction control from pysqlite so that BEGIN is ours (SQLAlchemy's documented recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


# The threads a loop reader keeps a connection for (a server's event loop; the tests' clients, a few an engine): more
# than ever read, as past its `pool_size` SingletonThreadPool closes other threads' connections, in use or not.
LOOP_READER_THREADS = 64
_loop_readers: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_loop_readers_guard = threading.Lock()


def loop_reader(engine: Engine) -> Engine | None:
    """For the read the event loop makes itself (the sign-in check of every request), where any wait would stall
    every request: on a SQLite file, an engine on the same file whose connections are each thread's own
    (SingletonThreadPool: it never waits for a free one), and in WAL mode a read never waits for the writer. None on
    PostgreSQL (a round trip, a pool that can run dry) and in memory (another connection is another database): there
    such a read goes through the thread pool. Disposed with `engine`."""
    reader = _loop_readers.get(engine)  # every signed-in request asks: no lock once it is made
    if reader is not None:
        return reader
    url = engine.url
    if engine.dialect.name != "sqlite" or not url.database or url.database == ":memory:":
        return None
    with _loop_readers_guard:
        reader = _loop_readers.get(engine)
        if reader is None:
            reader = _sqlite_engine(url, wait=writer_for(engine).wait, poolclass=SingletonThreadPool,
                                    pool_size=LOOP_READER_THREADS)
            _loop_readers[engine] = reader
            event.listen(engine, "engine_disposed", _dispose_loop_reader)
    return reader


def _dispose_loop_reader(engine: Engine) -> None:
    """The engine's connections were let go (its file may be replaced next): its loop reader's go too."""
    with _loop_readers_guard:
        reader = _loop_readers.pop(engine, None)
    if reader is not None:
        reader.dispose()


def write_engine(engine: Engine) -> Engine:
    """The same pool, marked so that SQLite takes the write lock when the transaction begins."""
    return engine.execution_options(**{WRITE_OPTION: True})


def own_write_session(session: Session) -> Session | None:
    """None when `session` writes (its transaction takes the write lock); else a new write session on the same
    database, for a short write transaction of its own (a read that must first write what is due)."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    if engine.get_execution_options().get(WRITE_OPTION, False):
        return None
    return session_for(engine, write=True)


class _Writer:
    """SQLite has one writer: this process's writers queue first come, first served instead of SQLite's busy-wait
    back-off, which leaves some writers waiting for seconds (measured: p99 3.6 s at 16 writers,
    docs/performance.md). A place in the queue is waited for at most `wait` seconds."""

    def __init__(self, lock: FairLock, wait: float) -> None:
        self.lock, self.wait = lock, wait

    def take(self) -> None:
        began = time.perf_counter()
        taken = self.lock.acquire(timeout=self.wait)
        WRITER_WAIT.observe(time.perf_counter() - began)
        if not taken:
            raise Busy()


_writers: dict[str, _Writer] = {}
_writers_guard = threading.Lock()


def _key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def writer_for(engine: Engine) -> _Writer | None:
    """The writer queue of a SQLite database (None on PostgreSQL, whose row locks do the queueing)."""
    if engine.dialect.name != "sqlite":
        return None
    with _writers_guard:
        return _writers.setdefault(_key(engine), _Writer(FairLock(), DbLimits().write_wait))


def bound_writer_wait(engine: Engine, seconds: float) -> None:
    """How long a request waits for SQLite's writer before it is answered 503 busy."""
    writer = writer_for(engine)
    if writer is not None:
        writer.wait = seconds


class WriterSession(Session):
    """A write session on SQLite: it joins the writer queue when it first needs a connection and leaves it when its
    transaction ends (commit, rollback, close) — never while it holds nothing, never for longer than it writes."""

    def __init__(self, *args, writer: _Writer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._writer = writer
        self._holding = False
        event.listen(self, "after_transaction_end", self._leave_queue)

    def _connection_for_bind(self, engine, execution_options=None, **kw):
        if not self._holding:
            self._writer.take()
            self._holding = True
        try:
            return super()._connection_for_bind(engine, execution_options, **kw)
        except BaseException:
            self._leave_queue(self, None)
            raise

    def _leave_queue(self, _session, transaction) -> None:
        if self._holding and (transaction is None or transaction.parent is None):
            self._holding = False
            self._writer.lock.release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave_queue(self, None)


def session_for(engine: Engine, *, write: bool) -> Session:
    """A session; a write one begins its transactions with the write lock (and, on SQLite, in the writer queue)."""
    if not write:
        return Session(engine, expire_on_commit=False)
    writer = writer_for(engine)
    if writer is None:
        return Session(write_engine(engine), expire_on_commit=False)
    return WriterSession(write_engine(engine), expire_on_commit=False, writer=writer)


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session for one write transaction."""
    with session_for(engine, write=True) as session:
        yield session


@asynccontextmanager
async def request_session(engine: Engine, *, write: bool) -> AsyncIterator[Session]:
    """A request's session, for an `async` dependency: made on the event loop (a session touches nothing before its
    first statement, which runs in the route's thread) and closed there when its transaction has ended (the route
    committed, so nothing is left to release). A transaction still open is closed in the thread pool, where its
    rollback may wait (PostgreSQL's round trip, a write's rollback), except a read's on SQLite: that rollback only
    lets go of a snapshot. A plain generator dependency costs a thread-pool hop to open the session and another to
    close it, on every request."""
    session = session_for(engine, write=write)
    try:
        yield session
    finally:
        with anyio.CancelScope(shield=True):  # closed whatever happens: it may hold SQLite's writer queue
            if session.in_transaction() and (write or engine.dialect.name != "sqlite"):
                await anyio.to_thread.run_sync(session.close)
            else:
                session.close()
