"""What one test's set-up costs, the way the suite did it before issue #6 and the way it does it now.

    .venv/bin/python bench/suite_setup.py [--rounds 10]

Each figure is the median of --rounds runs on this machine. PostgreSQL figures need the server of the test suite
(ZF_TEST_PG_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432); its databases are named after
ZF_TEST_PG_DB (default zhenfeng_test) with `_bench…` appended, and dropped at the end.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore", message=".*httpx.*")

from argon2 import PasswordHasher  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import app.models  # noqa: E402,F401
from app.db import make_engine, session_for  # noqa: E402
from app.demo import DEMO_PASSWORD, seed_demo_world  # noqa: E402
from app.main import bind_app, create_app  # noqa: E402


def median_ms(rounds: int, work, before=None) -> float:
    times = []
    for i in range(rounds):
        if before:
            before(i)
        start = time.perf_counter()
        work(i)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def line(what: str, ms: float) -> None:
    print(f"  {what:<66} {ms:8.2f} ms")


def seed(engine, password_hash=None) -> None:
    with session_for(engine, write=True) as session:
        seed_demo_world(session, password_hash=password_hash)
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    rounds = parser.parse_args().rounds
    tmp = Path(tempfile.mkdtemp())
    print(f"one test's set-up, median of {rounds}")

    print("passwords")
    strong = PasswordHasher()
    line("argon2 hash, argon2-cffi defaults (the app)", median_ms(rounds, lambda i: strong.hash(DEMO_PASSWORD)))
    import tests.conftest as suite  # switches app.security to the cheap parameters, as the suite does
    from app.security import hash_password

    line("argon2 hash, CHEAPEST profile (the suite)", median_ms(rounds, lambda i: hash_password(DEMO_PASSWORD)))

    print("SQLite")

    def fresh_sqlite(i, password_hash=None):
        engine = make_engine(f"sqlite:///{tmp / f'fresh{i}-{password_hash is None}.db'}")
        SQLModel.metadata.create_all(engine)
        seed(engine, password_hash)
        engine.dispose()

    line("before: schema + demo world, a real argon2 hash (pages, browser)", median_ms(rounds, fresh_sqlite))
    line("before: schema + demo world, one hash for the run (API tests)",
         median_ms(rounds, lambda i: fresh_sqlite(i, suite.DEMO_HASH)))
    template = tmp / "template.db"
    engine = make_engine(f"sqlite:///{template}")
    SQLModel.metadata.create_all(engine)
    seed(engine, suite.DEMO_HASH)
    engine.dispose()

    def copy(i):
        shutil.copyfile(template, tmp / f"copy{i}.db")
        make_engine(f"sqlite:///{tmp / f'copy{i}.db'}").dispose()

    line("now: copy of the template file", median_ms(rounds, copy))

    print("PostgreSQL")
    name = suite.PG_TEST_DB + "_bench"
    admin = make_engine(suite.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")

    def run(sql: str) -> None:
        with admin.connect() as conn:
            conn.execute(text(sql))

    database = suite.PgDatabase(admin, name)
    database.create()  # the run's database with its snapshot: a template as well
    database.restorer.dispose()
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    work = make_engine(database.url.replace(f"/{name}", f"/{name}_work"))
    run(f'DROP DATABASE IF EXISTS "{name}_work" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}_work" TEMPLATE "{name}"')

    def truncate_and_seed(i):
        with work.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        seed(work, suite.DEMO_HASH)

    line("before: TRUNCATE every table + demo world", median_ms(rounds, truncate_and_seed))
    work.dispose()
    run(f'DROP DATABASE "{name}_work" WITH (FORCE)')
    clone = f'"{name}_clone"'

    def create_clone(strategy: str) -> None:
        run(f"DROP DATABASE IF EXISTS {clone}")
        run(f'CREATE DATABASE {clone} TEMPLATE "{name}" STRATEGY {strategy}')

    for strategy in ("WAL_LOG", "FILE_COPY"):
        line(f"CREATE DATABASE … TEMPLATE … STRATEGY {strategy}",
             median_ms(rounds, lambda i, s=strategy: run(f'CREATE DATABASE {clone} TEMPLATE "{name}" STRATEGY {s}'),
                       before=lambda i: run(f"DROP DATABASE IF EXISTS {clone}")))
        line(f"  DROP DATABASE of that clone ({strategy})",
             median_ms(rounds, lambda i: run(f"DROP DATABASE {clone}"), before=lambda i, s=strategy: create_clone(s)))
    run(f"DROP DATABASE IF EXISTS {clone}")
    for label, kind in (("demo world", suite.WITH_DEMO), ("empty", suite.EMPTY)):
        line(f"now: rows put back from the snapshot, {label}",
             median_ms(rounds, lambda i, k=kind: database.fresh(k).dispose()))
    database.close()

    print("the app")
    engine = suite.sqlite_copy(template, tmp / "app.db")
    settings = suite.make_settings(engine)
    routed = create_app(settings, engine=engine, strict_templates=True)

    def first_requests(application):
        with TestClient(application, follow_redirects=False) as client:
            client.post("/login", data={"phone": suite.DEMO["villager"], "password": DEMO_PASSWORD})
            for path in ("/", "/points", "/shop"):
                assert client.get(path).status_code == 200, path

    line("before: create_app() + TestClient + login + three pages",
         median_ms(rounds, lambda i: first_requests(create_app(settings, engine=engine, strict_templates=True))))
    line("now: bind_app() on the run's app + TestClient + login + three pages",
         median_ms(rounds, lambda i: first_requests(bind_app(routed, settings, engine, strict_templates=True))))
    engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
