"""One server process against two on PostgreSQL (issue #19): bench/redeem.py's HTTP run — concurrent attendants
redeeming by pay code at one shop — then the same attendants reading the shop's goods (GET, no write), served by
`WORKERS=1` and then `WORKERS=2 python -m app serve` on the same database, in one run.

    .venv/bin/python bench/workers.py [--clients 16] [--seconds 10] [--workers 1,2]

Each attendant keeps one connection (the kernel gives each to either worker). Prints requests/s, p50/p95/p99 and
the errors; every limiter, each shop's turn and the redemptions themselves go through PostgreSQL in both runs.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from redeem import PASSWORD, PG_ADMIN, SECRET, fresh_codes, prepare, run_clients, summary  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.served import ServerProcess  # noqa: E402

DATABASE = "zf_bench_workers"  # not bench/redeem.py's: the two may run at once
CODES_PER_CLIENT = 150  # a pay code lives 60 s: enough for a run of 10 s, made in seconds


def fresh_database() -> str:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return make_url(PG_ADMIN).set(database=DATABASE).render_as_string(hide_password=False)


def drop_database() -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    admin.dispose()


def started(server: ServerProcess, workers: int) -> None:
    """start() returns once one worker answers: wait for the others too."""
    deadline = time.monotonic() + 120
    while server.log.read_text(errors="replace").count("Application startup complete") < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(server.log.read_text(errors="replace")[-2000:])
        time.sleep(0.1)


def served_run(work: dict, url: str, *, workers: int, clients: int, seconds: float, log: Path) -> tuple[dict, dict]:
    """The attendants through a server of `workers` processes, redeeming and then reading the shop's goods: the
    figures of each, and the answers other than 201 / 200."""
    server = ServerProcess(url, log, WORKERS=str(workers), SECRET_KEY=SECRET, CODE_TRIES_PER_MINUTE="1000000",
                           LOGIN_ATTEMPTS_PER_CLIENT="1000").start()
    try:
        started(server, workers)
        codes = {i: iter(fresh_codes(work["engine"], hh, CODES_PER_CLIENT))
                 for i, (hh, _, _) in enumerate(work["people"])}
        sessions = []
        for _, _, phone in work["people"]:
            token = httpx.post(f"{server.base}/api/v1/auth/login", json={"phone": phone, "password": PASSWORD},
                               timeout=30).json()["access_token"]
            sessions.append(httpx.Client(base_url=server.base, timeout=30,
                                         headers={"Authorization": f"Bearer {token}"}))
        errors: dict[int, int] = {}

        def one(i):
            r = sessions[i].post(f"/api/v1/shops/{work['shop_id']}/redemptions",
                                 headers={"Idempotency-Key": uuid.uuid4().hex},
                                 json={"pay_code": next(codes[i]),
                                       "items": [{"goods_id": work["goods_id"], "quantity": 1}]})
            if r.status_code != 201:
                errors[r.status_code] = errors.get(r.status_code, 0) + 1

        def look(i):
            r = sessions[i].get(f"/api/v1/shops/{work['shop_id']}/goods")
            if r.status_code != 200:
                errors[r.status_code] = errors.get(r.status_code, 0) + 1

        rows = {"redeem": summary(run_clients(clients, seconds, one), seconds),
                "goods": summary(run_clients(clients, seconds, look), seconds)}
        for session in sessions:
            session.close()
        return rows, errors
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    print(f"workers benchmark (PostgreSQL): {args.clients} concurrent attendants at one shop, {args.seconds:.0f} s "
          f"per run, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    print(f"{'workers':<9}{'requests':<8}{'answered':>10}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  errors")
    tmp = Path(tempfile.mkdtemp())
    try:
        url = fresh_database()
        work = prepare(url, args.clients)
        for n in (int(x) for x in args.workers.split(",")):
            rows, errors = served_run(work, url, workers=n, clients=args.clients, seconds=args.seconds,
                                      log=tmp / f"server-{n}.log")
            for label, row in rows.items():
                print(f"{n:<9}{label:<8}{row['n']:>10}{row['rps']:>9.0f}{row['p50']:>9.1f}{row['p95']:>9.1f}"
                      f"{row['p99']:>9.1f}  {errors or 'none'}")
        work["engine"].dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        drop_database()


if __name__ == "__main__":
    main()
