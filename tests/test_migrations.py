"""The Alembic migrations build the schema from empty on both databases, and it matches the models."""


import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

import app.models  # noqa: F401
from alembic import command
from app.config import ROOT
from app.db import make_engine, session_for
from app.demo import seed_demo_world
from app.ledger.check import check_ledger
from tests.conftest import own_pg_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrate.db'}")
        yield engine
        engine.dispose()
        return
    with own_pg_database("_migrations") as engine:  # the run's (and the xdist worker's) own
        yield engine


def upgrade(engine, revision: str = "head") -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def downgrade(engine, revision: str) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_upgrade_from_empty_matches_the_models(empty_engine):
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_upgrade_installs_the_append_only_guards(empty_engine):
    upgrade(empty_engine)
    with empty_engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(text("INSERT INTO org_units (kind, name) VALUES ('village', 'v')"))
        conn.execute(text("INSERT INTO audit_log (village_id, action, target_type, reason, detail, created_at) "
                          "VALUES (1, 'a', 't', '', '', CURRENT_TIMESTAMP)"))
        conn.execute(text("UPDATE audit_log SET reason = 'x'"))


def test_upgrade_is_repeatable(empty_engine):
    upgrade(empty_engine)
    upgrade(empty_engine)  # already at head: nothing to do, no error


def test_upgrade_keeps_the_books_of_a_database_in_use(empty_engine):
    """Migrations against real data, down and up again (SQLite rebuilds tables that others reference)."""
    upgrade(empty_engine)
    with session_for(empty_engine, write=True) as s:
        seed_demo_world(s, password_hash="x")
        s.commit()
    downgrade(empty_engine, "0002")
    upgrade(empty_engine)
    with session_for(empty_engine, write=False) as s:
        assert check_ledger(s) == []
        assert s.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one() > 0
    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []
