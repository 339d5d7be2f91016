"""What a limiter costs on the hot paths (issue #19): each operation in memory and kept in PostgreSQL.

    .venv/bin/python bench/limiters.py [--n 2000]

A redemption by pay code asks two windows (attendant, shop) before it looks the code up; a failed look-up hits
both; a sign-in checks and counts three limiters under one lock. Prints microseconds per operation, one thread.
"""

import argparse
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.db import make_engine  # noqa: E402
from app.ratelimit_db import LimiterHit, LimiterMark, Limiters, Store  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "zf_bench_limiters"


def admin(sql: str) -> None:
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def timed(n: int, op) -> float:
    start = time.perf_counter()
    for i in range(n):
        op(i)
    return (time.perf_counter() - start) / n * 1e6


def rows(limiters: Limiters, n: int) -> dict[str, float]:
    window = limiters.window("bench.w", limit=10**9, window_seconds=600)
    backoff = limiters.backoff("bench.b", free=3, cap=300, forget=900)
    lock = limiters.lock("bench.lock")

    def sign_in(i: int) -> None:
        with lock:
            window.wait(f"p{i % 50}")
            window.hit(f"p{i % 50}")
            backoff.fail(f"p{i % 50}")

    return {"window.wait": timed(n, lambda i: window.wait(f"k{i % 50}")),
            "window.hit": timed(n, lambda i: window.hit(f"k{i % 50}")),
            "backoff.fail": timed(n, lambda i: backoff.fail(f"k{i % 50}")),
            "3 under the lock": timed(n // 4, sign_in)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{DATABASE}"')
    engine = make_engine(make_url(PG_ADMIN).set(database=DATABASE).render_as_string(hide_password=False))
    try:
        SQLModel.metadata.create_all(engine, tables=[LimiterHit.__table__, LimiterMark.__table__])
        memory, shared = rows(Limiters(), args.n), rows(Limiters(Store(engine)), args.n)
        print(f"{'µs per operation':<20}{'memory':>10}{'PostgreSQL':>12}")
        for name in memory:
            print(f"{name:<20}{memory[name]:>10.1f}{shared[name]:>12.0f}")
    finally:
        engine.dispose()
        admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    main()
