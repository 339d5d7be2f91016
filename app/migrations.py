"""Which migration the database is at, and which the code expects (`/api/v1/health` reports both)."""

from functools import cache
from pathlib import Path

from sqlalchemy import inspect, text
from sqlmodel import Session

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


@cache
def head_revision() -> str:
    """The newest migration in alembic/versions: what this code's tables look like."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(Config(str(ALEMBIC_INI))).get_current_head() or ""


def database_revision(session: Session) -> str | None:
    """The migration the database was last brought to; None when alembic never ran on it (a database built from
    the models directly: the test suite's, a benchmark's)."""
    connection = session.connection()
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
