"""What one statement costs in Python, by the way it is sent: an ORM-enabled statement through the Session (the
ORM compiles it in its own way), the same written on the Table, through the Session or its Connection, as a driver
string, and the raw sqlite3 cursor. An empty SQLite database with the app's tables; the CPU of each, a statement at a
time, after a warm-up.

    .venv/bin/python bench/statement_cost.py [--n 3000]

docs/performance.md, "Redemption path profile" (fourteenth session): where ORM work is left on a hot path.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select, update
from sqlmodel import Session, SQLModel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import app.models  # noqa: E402,F401
from app.db import make_engine  # noqa: E402
from app.org.models import User  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000)
    args = parser.parse_args()
    engine = make_engine(f"sqlite:///{tempfile.mkdtemp()}/statements.db")
    SQLModel.metadata.create_all(engine)
    users = User.__table__

    def timed(label: str, run) -> None:
        for _ in range(200):
            run()
        began = time.process_time()
        for _ in range(args.n):
            run()
        print(f"{label:<52}{(time.process_time() - began) / args.n * 1e6:8.1f} µs")

    orm_columns = select(User.id, User.name).where(User.id == 1)
    table_columns = select(users.c.id, users.c.name).where(users.c.id == 1)
    orm_update = update(User).where(User.id == 1).values(token_version=User.token_version + 0)
    table_update = update(users).where(users.c.id == 1).values(token_version=users.c.token_version + 0)
    orm_object = select(User).where(User.id == 1)
    with Session(engine) as session:
        conn = session.connection()
        raw = conn.connection.dbapi_connection
        timed("Session: select(Model) (an ORM object)", lambda: session.execute(orm_object).first())
        timed("Session: select(Model.a, Model.b)", lambda: session.execute(orm_columns).first())
        timed("Session: select(table.c.a, table.c.b)", lambda: session.execute(table_columns).first())
        timed("Connection: select(Model.a, Model.b)", lambda: conn.execute(orm_columns).first())
        timed("Connection: select(table.c.a, table.c.b)", lambda: conn.execute(table_columns).first())
        timed("Connection: exec_driver_sql", lambda: conn.exec_driver_sql(
            "SELECT id, name FROM users WHERE id = ?", (1,)).first())
        timed("raw sqlite3 cursor", lambda: raw.execute("SELECT id, name FROM users WHERE id = ?", (1,)).fetchone())
        timed("Session: update(Model)", lambda: session.execute(orm_update))
        timed("Session: update(table)", lambda: session.execute(table_update))
        timed("Connection: update(table)", lambda: conn.execute(table_update))
        session.rollback()
    engine.dispose()


if __name__ == "__main__":
    main()
