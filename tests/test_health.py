import functools

import pytest
from sqlalchemy import text

from app.migrations import head_revision
from tests.conftest import error_code


def stamp(engine, revision: str | None) -> None:
    """The database as alembic leaves it at `revision` (None: never migrated, as the suite's are)."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        if revision is not None:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
            conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": revision})


@pytest.fixture
def stamped(demo_engine):
    """`stamp` on the test's database, and no stamp left behind: the run's PostgreSQL database is put back to its
    rows before each test, not to its tables, so a stamp left here would be the next test's (on whichever worker)."""
    yield functools.partial(stamp, demo_engine)
    stamp(demo_engine, None)


def test_health_answers_without_login(api, demo_engine, stamped):
    stamped(head_revision())
    r = api.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok", "engine": demo_engine.dialect.name,
                        "migration": head_revision(), "head": head_revision()}


def test_a_database_behind_the_code_is_503_naming_both(api, stamped):
    stamped("0019")
    r = api.get("/health")
    assert r.status_code == 503 and error_code(r) == "migration_behind"
    assert "0019" in r.json()["error"]["message"] and head_revision() in r.json()["error"]["message"]


def test_a_database_alembic_never_ran_on_says_so(api, stamped):
    stamped(None)
    r = api.get("/health")
    assert r.status_code == 200 and r.json()["migration"] is None


def test_the_head_is_the_newest_migration_file():
    import re
    from pathlib import Path

    newest = max((Path(__file__).resolve().parents[1] / "alembic" / "versions").glob("2*.py"))
    assert head_revision() == re.search(r"^revision = '(\w+)'", newest.read_text(), re.M).group(1)


def test_unknown_route_uses_the_error_shape(api):
    r = api.get("/no-such-thing")
    assert r.status_code == 404 and error_code(r) == "not_found"
