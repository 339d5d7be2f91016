"""Fixtures: a database of its own per test on SQLite and on PostgreSQL, the app, clients, the demo world.

The schema and the demo world are built once per run: two template files on SQLite, copied for each test, and one
PostgreSQL database with a snapshot of its rows, put back to it before each test. A test gets its database empty,
or with the demo world when it asks for `demo_engine` (or, in tests/pages, `web_engine`). Passwords are hashed with
argon2's cheapest parameters during the tests only. Tests marked `sqlite_only` (markup, images, throttles: nothing
the engine can change) take the `engine` fixture on SQLite alone; every other test that uses it runs on both.
"""

import copy
import functools
import os
import shutil
import warnings
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, text, update
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, select

import app.domains  # noqa: F401
import app.models  # noqa: F401
from app import security
from app.config import Settings
from app.db import make_engine, session_for
from app.demo import DEMO_PASSWORD, seed_demo_world
from app.main import bind_app, create_app, keep_out_of_the_collector
from app.timeutil import utcnow

warnings.filterwarnings("ignore", message=".*httpx.*")
from tests.one_hop import TestClient  # noqa: E402

security.use_cheap_hashing_for_tests()  # before anything below hashes a password

pytest_plugins = ["tests.first_compile"]  # on a fresh clone, one worker compiles the suite for all (its docstring)

PG_ADMIN_URL = os.environ.get("ZF_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# The run's database (others it makes start so); each pytest-xdist worker has its own, suffixed with its name.
PG_TEST_DB = os.environ.get("ZF_TEST_PG_DB", "zhenfeng_test") + (
    f"_{os.environ['PYTEST_XDIST_WORKER']}" if "PYTEST_XDIST_WORKER" in os.environ else "")
TEST_SECRET = "test-secret-" + "x" * 40
DEMO = {"official": "13800000001", "attendant": "13800000002", "volunteer": "13800000003",
        "villager": "13800000004", "committee": "13800000005", "town_admin": "13800000006",
        "neighbour": "13800000007"}
# The demo world is the same in every test (same ids, same secret), so one hash and one token per account
# serve the whole run; tests of login itself still log in for real.
DEMO_HASH = security.hash_password(DEMO_PASSWORD)
TOKENS: dict[str, str] = {}
EMPTY, WITH_DEMO = "empty", "demo"
_seeded: weakref.WeakSet[Engine] = weakref.WeakSet()  # engines made from a template with the demo world


def unavailable(kind: str, reason: str) -> None:
    """Skip with a printed reason, or fail when CI requires this kind of test."""
    if os.environ.get(f"ZF_REQUIRE_{kind}"):
        pytest.fail(f"{kind} required in CI but unavailable: {reason}")
    pytest.skip(reason)


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `sqlite_only` that uses the `engine` fixture (directly or through `demo_engine`, `app`,
    `api` …) gets it on SQLite alone: its id keeps the `[sqlite]`, and no `[postgresql]` twin is made."""
    if metafunc.definition.get_closest_marker("sqlite_only") and "engine" in metafunc.fixturenames:
        metafunc.definition.add_marker(pytest.mark.parametrize("engine", ["sqlite"], indirect=True), append=False)


# The slowest first, so that no worker is left running a long test at the end while the others wait: the browser tests
# (the county's day, the longest, before the rest), the kill -9 test, then the fuzzing and the isolation matrix. The
# Makefile runs the suite with `--dist worksteal`, which hands each worker one contiguous share of the collection
# and, once a worker is done, lets it take tests off the end of another's. So the ranked tests are dealt out like
# cards, one share each in turn: every worker starts on its own third of the browser tests (in one share they kept
# that worker busy for the whole run while the others finished early and waited), and every share ends in quick ones.
SLOW_FIRST = ("tests/e2e/test_county_day_one.py", "tests/e2e/", "tests/test_crash.py", "tests/test_workers.py",
              "tests/test_schemathesis.py", "tests/test_isolation.py")


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection made (the app, its routes, every test item, the schema schemathesis reads) lives as long as the
    run: it is put out of the cyclic collector's sight (gc.freeze), and the collector runs less often (every 50,000
    allocations, not 700). A full collection walked it all again and again: 6 % of a worker's CPU, 4 % with this."""
    keep_out_of_the_collector()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix)), len(SLOW_FIRST))

    items.sort(key=rank)  # stable: within a rank, the files' own order
    items[:] = dealt(items, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


# Files whose tests share one costly module-scoped fixture: dealt as one card, so that one worker starts it once
# (tests/test_workers.py's two-worker server took ~10 s to start in each of three workers).
DEALT_TOGETHER = ("tests/test_workers.py",)


def dealt(items: list, workers: int) -> list:
    """`items` dealt in turn into one share per worker, each share the size xdist's worksteal gives a worker (it cuts
    the collection into contiguous shares, the remainder going to the last), the shares put end to end. The tests of
    a file in DEALT_TOGETHER are one card, put in the first share (from the one whose turn it is) with room."""
    sizes, left = [], len(items)
    for i in range(workers):
        sizes.append(left // (workers - i))
        left -= sizes[-1]
    cards: list[list] = []
    together: dict[str, list] = {}
    for item in items:
        path = item.nodeid.split("::")[0]
        if path in DEALT_TOGETHER:
            if path not in together:
                together[path] = []
                cards.append(together[path])
            together[path].append(item)
        else:
            cards.append([item])
    shares: list[list] = [[] for _ in sizes]
    turn = 0
    for card in cards:
        for _ in range(workers):  # a card with room nowhere stays with the share whose turn it is (the cut moves)
            if len(shares[turn % workers]) + len(card) <= sizes[turn % workers]:
                break
            turn += 1
        shares[turn % workers].extend(card)
        turn += 1
    return [item for share in shares for item in share]


def seed_template(engine: Engine) -> None:
    with session_for(engine, write=True) as session:
        seed_demo_world(session, password_hash=DEMO_HASH)
        session.commit()


# ---- SQLite: two template files per run, one file copy per test -------------------------------------------------

@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory) -> dict[str, Path]:
    """The schema alone, and the schema with the demo world: two complete SQLite files (no WAL beside them)."""
    folder = tmp_path_factory.mktemp("templates")
    templates = {}
    for kind in (EMPTY, WITH_DEMO):
        path = folder / f"{kind}.db"
        eng = make_engine(f"sqlite:///{path}")
        SQLModel.metadata.create_all(eng)
        if kind == WITH_DEMO:
            seed_template(eng)
        seal_sqlite_template(eng, path)
        templates[kind] = path
    return templates


def seal_sqlite_template(eng: Engine, path: Path) -> None:
    """Close `eng` with everything written into its one file at `path` (nothing left in a WAL), ready to copy."""
    with eng.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the template must be whole in its one file"


def sqlite_copy(template: Path, path: Path) -> Engine:
    """An engine on a fresh copy of `template` at `path`."""
    shutil.copyfile(template, path)
    return sharing_compiled_sql(make_engine(f"sqlite:///{path}"))


_first_engines: dict[str, Engine] = {}


def sharing_compiled_sql(engine: Engine) -> Engine:
    """`engine` using the compiled statements of the first test engine of its kind in this process. SQLAlchemy keeps
    them per engine (keyed by its dialect), and each test has an engine of its own: without this, every test would
    compile its statements afresh (~12 % of the suite's CPU). The app's own engine lives as long as its process and
    never pays it. Same database kind, same server, same options: the dialect is the same in all but its identity."""
    first = _first_engines.setdefault(f"{engine.dialect.name}:{engine.url.host}", engine)
    if first is not engine:
        engine.dialect = engine.pool._dialect = first.dialect
        engine._compiled_cache = first._compiled_cache
    return engine


# ---- PostgreSQL: one database per run, put back to its starting state before each test ---------------------------

SNAPSHOT = "zf_snapshot"


class PgDatabase:
    """The run's PostgreSQL database, named by ZF_TEST_PG_DB (so that two runs on one machine keep apart): the schema
    and the demo world made once, with a copy of every table's rows in the schema zf_snapshot. Before each test it
    is put back in one transaction: other connections ended, every table's rows deleted (triggers off) and copied
    back from the snapshot (or left empty), sequences set back. That takes ~15 ms where a CREATE DATABASE … TEMPLATE
    clone took 50-300 ms plus 15-50 ms to drop it, and about a second on a busy machine (docs/performance.md). Only rows
    and sequences are put back: a test that changes the schema makes a database of its own (tests/test_migrations.py).
    """

    def __init__(self, admin: Engine, name: str) -> None:
        self.admin, self.name = admin, name
        self.url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        self.restore_sql: dict[str, str] = {}
        self.restorer: Engine | None = None

    def _admin(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def create(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.name}"')
        # A commit returns before its WAL reaches the disk: the server may lose the last moments on a crash of its
        # own, which no test makes (the kill -9 test kills the app, not PostgreSQL); ~10 % off the PostgreSQL tests.
        self._admin(f'ALTER DATABASE "{self.name}" SET synchronous_commit = off')
        self.restorer = make_engine(self.url, pool_size=1, max_overflow=0)
        SQLModel.metadata.create_all(self.restorer)
        seed_template(self.restorer)
        tables = [f'"{t.name}"' for t in SQLModel.metadata.sorted_tables]  # parents first
        with self.restorer.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {SNAPSHOT}"))
            for table in tables:
                conn.execute(text(f"CREATE TABLE {SNAPSHOT}.{table} AS TABLE public.{table}"))
            sequences = conn.execute(text("SELECT quote_ident(sequencename), start_value, last_value "
                                          "FROM pg_sequences WHERE schemaname = 'public'")).all()
            superuser = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
        if superuser:  # DELETE with the triggers (append-only guards, foreign keys) off: the quickest
            clear = ["SET LOCAL session_replication_role = replica"]
            clear += [f"DELETE FROM public.{table}" for table in reversed(tables)]
        else:  # TRUNCATE needs no superuser and passes the row triggers
            clear = [f"TRUNCATE {', '.join(f'public.{table}' for table in tables)}"]
        copy = [f"INSERT INTO public.{table} OVERRIDING SYSTEM VALUE SELECT * FROM {SNAPSHOT}.{table}"
                for table in tables]
        start = [f"SELECT setval('public.{name}', {first}, false)" for name, first, _ in sequences]
        where_demo_left = [f"SELECT setval('public.{name}', {last}, true)" if last is not None
                           else f"SELECT setval('public.{name}', {first}, false)" for name, first, last in sequences]
        self.restore_sql = {EMPTY: ";\n".join([*clear, *start]),
                            WITH_DEMO: ";\n".join([*clear, *copy, *where_demo_left])}

    def fresh(self, kind: str) -> Engine:
        """The database as the run began (empty, or with the demo world), and a new engine on it."""
        assert self.restorer is not None
        with self.restorer.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            conn.exec_driver_sql(self.restore_sql[kind])
        return sharing_compiled_sql(make_engine(self.url))

    def close(self) -> None:
        if self.restorer is not None:
            self.restorer.dispose()
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[PgDatabase]:
    try:
        admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no PostgreSQL here"
        unavailable("PG", f"no PostgreSQL at {PG_ADMIN_URL}: {exc.__class__.__name__}")
    database = PgDatabase(admin, PG_TEST_DB)
    database.create()
    yield database
    database.close()


# ---- the fixtures the tests use -----------------------------------------------------------------------------------

def _wants_demo(request: pytest.FixtureRequest, *names: str) -> bool:
    return any(name in request.fixturenames for name in names)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path, sqlite_templates) -> Iterator[Engine]:
    """A database of its own: empty, or already holding the demo world when the test asks for `demo_engine`."""
    kind = WITH_DEMO if _wants_demo(request, "demo_engine") else EMPTY
    if request.param == "sqlite":
        eng = sqlite_copy(sqlite_templates[kind], tmp_path / "test.db")
    else:
        eng = request.getfixturevalue("pg_database").fresh(kind)
    if kind == WITH_DEMO:
        _seeded.add(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(request, tmp_path, sqlite_templates) -> Iterator[Engine]:
    """A SQLite file of its own: empty, or already holding the demo world when the test asks for `web_engine`."""
    kind = WITH_DEMO if _wants_demo(request, "web_engine") else EMPTY
    eng = sqlite_copy(sqlite_templates[kind], tmp_path / "test.db")
    if kind == WITH_DEMO:
        _seeded.add(eng)
    yield eng
    eng.dispose()


def with_demo_world(engine: Engine) -> Engine:
    """`engine` holding the demo world: it came from the template that has it, or (asked for late) it is seeded."""
    if engine not in _seeded:
        seed_template(engine)
        _seeded.add(engine)
    return engine


def move_deadlines(eng, by: timedelta) -> None:
    """Every `expires_at` in the database moved on by `by`, as if its records had been made that much later."""
    with session_for(eng, write=True) as s:
        for table in SQLModel.metadata.sorted_tables:
            if "expires_at" in table.c:
                key = list(table.primary_key.columns)
                for row in s.execute(select(*key, table.c.expires_at)).all():
                    s.execute(update(table).where(*(c == v for c, v in zip(key, row[:-1], strict=True)))
                              .values(expires_at=row[-1] + by))
        s.commit()


class BuiltWorld:
    """A world built on the demo world once per run (per pytest-xdist worker) into a SQLite file of its own, which
    each SQLite test gets a copy of instead of building it through the API (tests/test_isolation.py's world,
    tests/dashboard's county). On PostgreSQL a test gets the demo world and builds the world itself."""

    def __init__(self, name: str, build: Callable) -> None:
        self.name, self.build = name, build  # build(api, engine) -> what the tests are told (ids)
        self.copies: weakref.WeakSet = weakref.WeakSet()  # the engines on a copy of the template
        self.template: tuple[Path, object, datetime] | None = None

    def _template(self, templates: dict[str, Path], routed_app: FastAPI, folder: Path) -> tuple[Path, object, datetime]:
        if self.template is None:
            path = folder / f"{self.name}.db"
            eng = sqlite_copy(templates[WITH_DEMO], path)
            with TestClient(bind_app(routed_app, make_settings(eng), eng, strict_templates=True)) as client:
                ids = self.build(Api(client=client, tokens=TOKENS), eng)
            made = utcnow()
            seal_sqlite_template(eng, path)
            self.template = path, ids, made
        return self.template

    def engine(self, request: pytest.FixtureRequest, engine: Engine, tmp_path: Path) -> Engine:
        """For a test's `demo_engine`: on SQLite a copy of the template, its deadlines moved on by the time since it
        was made (pay codes, confirmations and 核销码 expire in 60-90 s and minutes: they are as fresh as the test's
        own would be); on PostgreSQL the demo world."""
        if engine.dialect.name != "sqlite":
            return with_demo_world(engine)
        template, _, made = self._template(request.getfixturevalue("sqlite_templates"),
                                           request.getfixturevalue("routed_app"),
                                           request.getfixturevalue("tmp_path_factory").getbasetemp())
        engine.dispose()  # the empty file the `engine` fixture copied: not used
        eng = sqlite_copy(template, tmp_path / f"{self.name}.db")
        request.addfinalizer(eng.dispose)
        move_deadlines(eng, utcnow() - made)
        self.copies.add(eng)
        return eng

    def ids(self, api, engine: Engine):
        """What the tests are told: the template's (a deep copy) on its copies, else the world built now."""
        if engine in self.copies:
            return copy.deepcopy(self.template[1])
        return self.build(api, engine)


def make_settings(engine: Engine, **overrides) -> Settings:
    return Settings(database_url=engine.url.render_as_string(hide_password=False), secret_key=TEST_SECRET,
                    **overrides)


@pytest.fixture
def demo_engine(engine) -> Engine:
    return with_demo_world(engine)


@dataclass
class Api:
    """A TestClient speaking the JSON API, with the demo accounts' tokens cached."""

    client: TestClient
    tokens: dict[str, str]

    def token(self, who: str) -> str:
        if who not in self.tokens:
            phone = DEMO.get(who, who)
            r = self.client.post("/api/v1/auth/login", json={"phone": phone, "password": "demo1234"})
            assert r.status_code == 200, r.text
            self.tokens[who] = r.json()["access_token"]
        return self.tokens[who]

    def headers(self, who: str | None, **extra: str) -> dict[str, str]:
        headers = dict(extra)
        if who:
            headers["Authorization"] = f"Bearer {self.token(who)}"
        return headers

    def get(self, path: str, who: str | None = None, **kw):
        return self.client.get(f"/api/v1{path}", headers=self.headers(who), **kw)

    def post(self, path: str, who: str | None = None, json=None, key: str | None = None, **kw):
        extra = {"Idempotency-Key": key} if key else {}
        return self.client.post(f"/api/v1{path}", headers=self.headers(who, **extra), json=json, **kw)

    def patch(self, path: str, who: str | None = None, json=None):
        return self.client.patch(f"/api/v1{path}", headers=self.headers(who), json=json)


@functools.cache
def the_routed_app() -> FastAPI:
    """The app with its routes, built once per process (~0.3 s of CPU an app, and its templates compiled again)."""
    return create_app(Settings(database_url="sqlite://", secret_key=TEST_SECRET), strict_templates=True)


@pytest.fixture(scope="session")
def routed_app() -> FastAPI:
    """The run's app: each test binds it to its own database with fresh rate limiters (app.main.bind_app)."""
    return the_routed_app()


@pytest.fixture(scope="session")
def served_app() -> FastAPI:
    """The app served under uvicorn (tests/e2e/conftest.py's `live_server`), built once per run and bound to each
    test's database: its own, apart from `routed_app`, which the in-process clients of the same test may bind."""
    return create_app(Settings(database_url="sqlite://", secret_key=TEST_SECRET), strict_templates=True)


@pytest.fixture
def app(demo_engine, routed_app) -> FastAPI:
    return bind_app(routed_app, make_settings(demo_engine), demo_engine, strict_templates=True)


@pytest.fixture
def api(app) -> Api:
    with TestClient(app) as client:
        yield Api(client=client, tokens=TOKENS)


@pytest.fixture
def session(demo_engine) -> Iterator[Session]:
    """A session for looking at the database directly (end it with rollback() before the API writes on SQLite)."""
    with session_for(demo_engine, write=False) as s:
        yield s


def add_person(engine: Engine, *, phone: str, name: str, role: str, unit: str, household_id: int | None = None
               ) -> str:
    """Someone the demo world lacks (a second official, a county admin, another village's official): a user with the
    demo password and one role on the org unit named `unit`; their phone, to sign in with."""
    from app.org.models import OrgUnit, RoleAssignment, User

    with session_for(engine, write=True) as s:
        org = s.exec(select(OrgUnit.id).where(OrgUnit.name == unit)).one()
        user = User(name=name, phone=phone, password_hash=DEMO_HASH, household_id=household_id)
        s.add(user)
        s.flush()
        s.add(RoleAssignment(user_id=user.id, role=role, org_id=org))
        s.commit()
    # A token cached for this phone by an earlier test names that test's user (another id, another role): the next
    # request signs in afresh as this one.
    TOKENS.pop(phone, None)
    return phone


def error_code(response) -> str:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return body["error"]["code"]


@contextmanager
def own_pg_database(suffix: str) -> Iterator[Engine]:
    """A PostgreSQL database of the test's own, empty (the run's name + `suffix`: a test that changes the schema or
    restores into it), dropped afterwards."""
    from sqlalchemy import create_engine

    name = PG_TEST_DB + suffix
    try:
        admin = create_engine(make_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        unavailable("PG", f"no PostgreSQL: {exc.__class__.__name__}")
    engine = make_engine(make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
