"""Roster import benchmark (issue #17 item 3): a 5,000-row 花名册 through the API, in-process, on SQLite and
PostgreSQL — the dry run (先检查), the import itself (all or nothing, one transaction) and the export.

    .venv/bin/python bench/roster_import.py [--rows 5000] [--backends sqlite,postgresql]

Prints each step's wall time and where the import's time goes (reading the workbook, checking, writing). Target: a
5,000-row roster in seconds (a script over POST /households took 62 s for 300 households)."""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import app.domains  # noqa: E402,F401
import app.models  # noqa: E402,F401
from app.config import Settings  # noqa: E402
from app.db import make_engine, session_for  # noqa: E402
from app.demo import seed_demo_world  # noqa: E402
from app.main import create_app  # noqa: E402
from app.org import roster  # noqa: E402
from app.security import hash_password  # noqa: E402

SECRET = "bench-secret-" + "b" * 40
PG_ADMIN = os.environ.get("ZF_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DB = "zf_bench_roster"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def roster_file(rows: int) -> bytes:
    """`rows` members, three to a household, the first of each with a phone."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(list(roster.COLUMNS))
    for i in range(rows):
        house, member = divmod(i, 3)
        head = f"户主{house:05d}"
        sheet.append([head, "", f"东街 {house} 号", head if member == 0 else f"成员{house:05d}-{member}",
                      f"139{house:08d}" if member == 0 else "", "本人" if member == 0 else "子女"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def database(backend: str, folder: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}"
    admin = make_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    admin.dispose()
    return make_url(PG_ADMIN).set(database=PG_DB).render_as_string(hide_password=False)


def drop(backend: str) -> None:
    if backend == "postgresql":
        admin = make_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        admin.dispose()


def timed(label: str, func):
    start = time.perf_counter()
    result = func()
    print(f"  {label:<38} {time.perf_counter() - start:6.2f} s")
    return result


def run(backend: str, rows: int, data: bytes) -> None:
    from fastapi.testclient import TestClient

    with tempfile.TemporaryDirectory() as folder:
        url = database(backend, Path(folder))
        engine = make_engine(url)
        SQLModel.metadata.create_all(engine)
        with session_for(engine, write=True) as s:
            seed_demo_world(s, password_hash=hash_password("demo1234"))
            s.commit()
            village = s.exec(text("SELECT id FROM org_units WHERE name = '示范村'")).scalar_one()
        print(f"{backend}: {rows} rows ({rows // 3} households), file {len(data) / 1024:.0f} KB")
        # Where the time goes, straight on the service (no HTTP), nothing committed.
        parsed = timed("read the workbook (openpyxl read_only)", lambda: roster.read_roster(data))
        with session_for(engine, write=False) as s:
            timed("check against the village", lambda: roster.check_roster(s, village_id=village, rows=parsed))
        app = create_app(Settings(database_url=url, secret_key=SECRET), engine)
        with TestClient(app) as client:
            token = client.post("/api/v1/auth/login", json={"phone": "13800000001", "password": "demo1234"}
                                ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}

            def post(dry_run: bool):
                return client.post(f"/api/v1/villages/{village}/households/import", headers=headers,
                                   params={"dry_run": "true"} if dry_run else None,
                                   files={"file": ("花名册.xlsx", data, XLSX)})

            checked = timed("POST …/import?dry_run=true (先检查)", lambda: post(True))
            assert checked.status_code == 200 and not checked.json()["errors"], checked.text[:300]
            done = timed("POST …/import (导入, one transaction)", lambda: post(False))
            assert done.status_code == 201, done.text[:300]
            again = timed("the same file again (refused, 422)", lambda: post(False))
            assert again.status_code == 422
            export = timed("GET …/households.xlsx (导出)", lambda: client.get(
                f"/api/v1/villages/{village}/households.xlsx", headers=headers))
            assert export.status_code == 200
        print(f"  imported: {done.json()}")
        engine.dispose()
    drop(backend)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    data = roster_file(args.rows)
    for backend in args.backends.split(","):
        run(backend, args.rows, data)


if __name__ == "__main__":
    main()
