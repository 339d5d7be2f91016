"""Fixtures: a fresh database per test on SQLite and on PostgreSQL, the app, clients, the demo world."""

import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

import app.models  # noqa: F401
from app import security
from app.config import Settings
from app.db import make_engine, session_for
from app.demo import DEMO_PASSWORD, seed_demo_world
from app.main import create_app

warnings.filterwarnings("ignore", message=".*httpx.*")
from fastapi.testclient import TestClient  # noqa: E402

security.use_cheap_hashing_for_tests()  # before anything below hashes a password

PG_ADMIN_URL = os.environ.get("ZF_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_TEST_DB = os.environ.get("ZF_TEST_PG_DB", "zhenfeng_test")
TEST_SECRET = "test-secret-" + "x" * 40
DEMO = {"official": "13800000001", "attendant": "13800000002", "volunteer": "13800000003",
        "villager": "13800000004", "committee": "13800000005", "town_admin": "13800000006",
        "neighbour": "13800000007"}


def unavailable(kind: str, reason: str) -> None:
    """Skip with a printed reason, or fail when CI requires this kind of test."""
    if os.environ.get(f"ZF_REQUIRE_{kind}"):
        pytest.fail(f"{kind} required in CI but unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    try:
        admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PG_TEST_DB}).first():
                conn.execute(text(f'CREATE DATABASE "{PG_TEST_DB}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no PostgreSQL here"
        unavailable("PG", f"no PostgreSQL at {PG_ADMIN_URL}: {exc.__class__.__name__}")
    url = make_url(PG_ADMIN_URL).set(database=PG_TEST_DB).render_as_string(hide_password=False)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _truncate(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path) -> Iterator[Engine]:
    """A fresh, empty database: a SQLite file, or the PostgreSQL test database emptied."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        SQLModel.metadata.create_all(eng)
        yield eng
        eng.dispose()
    else:
        eng = request.getfixturevalue("pg_engine")
        _truncate(eng)
        yield eng


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    SQLModel.metadata.create_all(eng)
    yield eng
    eng.dispose()


def make_settings(engine: Engine, **overrides) -> Settings:
    return Settings(database_url=engine.url.render_as_string(hide_password=False), secret_key=TEST_SECRET,
                    **overrides)


# The demo world is the same in every test (same ids, same secret), so one hash and one token per account
# serve the whole run; tests of login itself still log in for real.
DEMO_HASH = security.hash_password(DEMO_PASSWORD)
TOKENS: dict[str, str] = {}


@pytest.fixture
def demo_engine(engine) -> Engine:
    with session_for(engine, write=True) as session:
        seed_demo_world(session, password_hash=DEMO_HASH)
        session.commit()
    return engine


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


@pytest.fixture
def app(demo_engine):
    return create_app(make_settings(demo_engine), engine=demo_engine, strict_templates=True)


@pytest.fixture
def api(app) -> Api:
    with TestClient(app) as client:
        yield Api(client=client, tokens=TOKENS)


@pytest.fixture
def session(demo_engine) -> Iterator[Session]:
    """A session for looking at the database directly (end it with rollback() before the API writes on SQLite)."""
    with session_for(demo_engine, write=False) as s:
        yield s


def error_code(response) -> str:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return body["error"]["code"]
