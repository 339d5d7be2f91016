"""A county at scale (issue #20 item 3): its villages' red/black rounds and a year of evaluation credits, then the
reads a county, a township and a village make, timed from outside (HTTP, one server process as `make run` starts it).

    .venv/bin/python bench/county.py [--villages 300] [--households 500] [--months 12] [--criteria 3]
                                     [--backends sqlite,postgresql] [--repeat 5] [--keep] [--build-only]

With `--keep` the county is built once and kept for repeated measures (SQLite: bench/.county/<villages>x<households>.db;
PostgreSQL: the database zf_county_bench), then reused by the next run with `--keep` (the migrations brought to head
first); `--build-only` builds (or migrates) and stops. The load average is printed with every figure.

On top of the demo world (its users, its county and townships): `--villages` more villages, 20 to a new township,
each with `--households` households, `--criteria` items, a final round for each of the last `--months` months with
a line per household and item (~15 % of them on the red or black list), and an evaluation credit per household and
month in the ledger (two entries each); for the dashboards, each month also 70 % of households signed in, two
disclosures read by 60 % of households, and a service order per ten households (most rated, some left open).
Written straight into the tables, in bulk: the figures are for the reads, the ledger's balances are not kept
(check-ledger means nothing on it); the ledger's monthly summary is filled from the entries afterwards, as migration
0035 backfills it. Prints, per backend, the median and slowest
of `--repeat` answers for the county's and a township's coverage roll-up, a village's 红黑榜, coverage and 积分公示,
the dashboards of the county (this month and twelve months), a township and a village, the same on a demo village
beside them (the ratio), the rows made and the server's peak memory.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, delete, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from redeem import PG_ADMIN, SECRET, backend_url, drop_backend, peak_rss_kb  # noqa: E402

import app.models  # noqa: E402,F401
from app.auth.models import HouseholdSignIn  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.disclosure.models import Disclosure, DisclosureRead  # noqa: E402
from app.evaluation.models import Criterion, EvaluationRound, ResultLine  # noqa: E402
from app.ledger.models import Account, LedgerEntry, LedgerMonth, LedgerTransaction  # noqa: E402
from app.ledger.monthly import long_way  # noqa: E402
from app.org.models import Household, OrgUnit, RoleAssignment, User  # noqa: E402
from app.timeutil import shift_month, this_month  # noqa: E402
from app.volunteer.models import ServiceOrder  # noqa: E402
from tests.served import ServerProcess  # noqa: E402

PER_TOWNSHIP = 20
BATCH = 20_000
PHONES = {"county_admin": "13700000001", "town_admin": "13700000002", "official": "13700000003"}
DEMO_OFFICIAL = "13800000001"


def run(args: list[str], url: str) -> None:
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET})


def ids(conn, model, rows: list[dict]) -> list[int]:
    """Insert `rows` of `model` and give their ids in order (a range after the table's largest id)."""
    table = model.__table__
    start = (conn.execute(select(table.c.id).order_by(table.c.id.desc()).limit(1)).scalar() or 0) + 1
    for i, row in enumerate(rows):
        row["id"] = start + i
    bulk(conn, model, rows)
    return [r["id"] for r in rows]


def bulk(conn, model, rows) -> int:
    rows = list(rows)
    for i in range(0, len(rows), BATCH):
        conn.execute(insert(model.__table__), rows[i:i + BATCH])
    return len(rows)


def build(url: str, *, villages: int, households: int, months: int, criteria: int) -> dict:
    """The demo world, then the county's villages beside it; the ids the timed reads need."""
    run(["-m", "alembic", "upgrade", "head"], url)
    run(["-m", "app", "seed-demo"], url)
    engine = make_engine(url)
    rng = random.Random(20)
    now = datetime.now(UTC).replace(tzinfo=None)
    month_list = [shift_month(this_month(), -i) for i in range(months)]
    made = {}
    with engine.begin() as conn:
        county = conn.execute(select(OrgUnit.id).where(OrgUnit.kind == "county")).scalar()
        demo_village = conn.execute(select(OrgUnit.id).where(OrgUnit.kind == "village").order_by(OrgUnit.id)).scalar()
        demo_hash = conn.execute(select(User.password_hash).where(User.phone == DEMO_OFFICIAL)).scalar()
        towns = ids(conn, OrgUnit, [{"kind": "township", "name": f"第{t + 1}镇", "parent_id": county}
                                    for t in range(-(-villages // PER_TOWNSHIP))])
        village_ids = ids(conn, OrgUnit, [{"kind": "village", "name": f"第{v + 1}村",
                                           "parent_id": towns[v // PER_TOWNSHIP]} for v in range(villages)])
        users = ids(conn, User, [{"name": f"测试{role}", "phone": phone, "password_hash": demo_hash, "relation": "",
                                  "active": True, "token_version": 0, "must_change_password": False,
                                  "created_at": now} for role, phone in PHONES.items()])
        bulk(conn, RoleAssignment, [{"user_id": users[0], "role": "county_admin", "org_id": county},
                                    {"user_id": users[1], "role": "town_admin", "org_id": towns[0]},
                                    {"user_id": users[2], "role": "official", "org_id": village_ids[0]}])
        counts = {"households": 0, "lines": 0, "transactions": 0, "entries": 0, "reads": 0, "orders": 0}
        for village in village_ids:
            items = ids(conn, Criterion, [{"village_id": village, "category": "public_good", "name": f"第{c + 1}项",
                                           "points": 5, "list_kind": ("red", "black", None)[c % 3], "active": True,
                                           "created_at": now} for c in range(criteria)])
            homes = ids(conn, Household, [{"village_id": village, "head_name": f"户主{h}", "address": "",
                                           "created_at": now} for h in range(households)])
            fund, *accounts = ids(conn, Account, [
                {"key": f"village_fund:{village}", "kind": "village_fund", "name": "村积分基金", "org_id": village,
                 "village_id": village, "household_id": None, "allow_negative": False, "balance": 10 ** 9}]
                + [{"key": f"household:{h}", "kind": "household", "name": f"户主{h}", "org_id": village,
                    "village_id": village, "household_id": h, "allow_negative": False, "balance": 0} for h in homes])
            rounds = ids(conn, EvaluationRound, [{"village_id": village, "month": m, "status": "final",
                                                  "created_at": now} for m in month_list])
            counts["households"] += len(homes)
            counts["lines"] += bulk(conn, ResultLine, (
                {"round_id": r, "village_id": village, "household_id": h, "criterion_id": c, "points": 5,
                 "list_kind": ("red" if roll < 0.1 else "black" if roll < 0.15 else None), "reason": "",
                 "scorers": 1, "corrected_list": True, "correction_note": ""}
                for r in rounds for h in homes for c in items for roll in (rng.random(),)))
            txn_rows = [{"kind": "evaluation", "village_id": village, "reason": f"{m} 评比", "category": "public_good",
                         "source_id": r, "created_at": datetime(int(m[:4]), int(m[5:]), 15, 4)}
                        for m, r in zip(month_list, rounds, strict=True) for _ in homes]
            txns = ids(conn, LedgerTransaction, txn_rows)
            pairs = [(t, a, row["created_at"])
                     for t, a, row in zip(txns, accounts * len(month_list), txn_rows, strict=True)]
            counts["transactions"] += len(txns)
            counts["entries"] += bulk(conn, LedgerEntry, (
                entry for t, a, at in pairs for entry in (
                    {"transaction_id": t, "account_id": fund, "amount": -5, "balance_after": 0, "created_at": at},
                    {"transaction_id": t, "account_id": a, "amount": 5, "balance_after": 5, "created_at": at})))
            _activity(conn, rng, village=village, homes=homes, months=month_list, user=users[2], counts=counts)
        # The ledger's monthly summary, as migration 0035 backfills it (the rows above bypassed the ledger's writer).
        conn.execute(delete(LedgerMonth))
        conn.execute(insert(LedgerMonth).from_select(
            ["village_id", "month", "account_kind", "source", "category", "direction", "points", "entries"],
            long_way(engine.dialect.name).order_by(None)))
        demo_town = conn.execute(select(OrgUnit.parent_id).where(OrgUnit.id == demo_village)).scalar()
        made = {"county": county, "town": towns[0], "village": village_ids[0], "demo_village": demo_village,
                "demo_town": demo_town, **counts}
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return made


def _activity(conn, rng: random.Random, *, village: int, homes: list[int], months: list[str], user: int,
              counts: dict) -> None:
    """What the dashboards count beside the rounds and credits: sign-ins, disclosures and their reads, orders."""
    bulk(conn, HouseholdSignIn, ({"household_id": h, "village_id": village, "month": m}
                                 for m in months for h in homes if rng.random() < 0.7))
    for m in months:
        at = datetime(int(m[:4]), int(m[5:]), 10, 4)
        posts = ids(conn, Disclosure, [{"village_id": village, "category": "affairs", "title": f"{m} 公开 {i}",
                                        "version": 1, "author_id": user, "published_at": at} for i in range(2)])
        counts["reads"] += bulk(conn, DisclosureRead, ({"disclosure_id": d, "household_id": h, "version": 1,
                                                       "read_at": at} for d in posts for h in homes
                                                      if rng.random() < 0.6))
        rated = [rng.random() < 0.85 for _ in homes[::10]]
        counts["orders"] += bulk(conn, ServiceOrder, (
            {"village_id": village, "station_id": village, "title": "理发", "household_id": h, "requester_id": user,
             "status": "rated" if done else "open", "created_at": at, "changed_at": at,
             "completed_at": at if done else None, "credited_minutes": 60 if done else None,
             "stars": rng.randint(3, 5) if done else None} for h, done in zip(homes[::10], rated, strict=True)))


def timed(client: httpx.Client, path: str, token: str, repeat: int) -> tuple[float, float, int]:
    """Median and slowest milliseconds of `repeat` answers (after one unmeasured), and the status."""
    headers = {"Authorization": f"Bearer {token}"}
    client.get(path, headers=headers)
    times, status = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        status = client.get(path, headers=headers).status_code
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--villages", type=int, default=300)
    parser.add_argument("--households", type=int, default=500)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--criteria", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="build once, keep and reuse the county")
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    for name in args.backends.split(","):
        tmp = Path(tempfile.mkdtemp())
        url = kept_url(name, args) if args.keep else backend_url(name, tmp)
        try:
            measure(name, url, tmp, args)
        finally:
            if not args.keep:
                drop_backend(url)
            shutil.rmtree(tmp, ignore_errors=True)


KEPT = ROOT / "bench" / ".county"
KEPT_PG = "zf_county_bench"


def kept_url(name: str, args: argparse.Namespace) -> str:
    """The kept county's database, made afresh unless its ids file says it was built."""
    KEPT.mkdir(exist_ok=True)
    built = _made_file(name, args).exists()
    if name == "sqlite":
        path = KEPT / f"{args.villages}x{args.households}.db"
        if not built:
            path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    if not built:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{KEPT_PG}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{KEPT_PG}"'))
        admin.dispose()
    return make_url(PG_ADMIN).set(database=KEPT_PG).render_as_string(hide_password=False)


def _made_file(name: str, args: argparse.Namespace) -> Path:
    return KEPT / (f"{args.villages}x{args.households}.json" if name == "sqlite" else f"{KEPT_PG}.json")


def load() -> str:
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def measure(name: str, url: str, tmp: Path, args: argparse.Namespace) -> None:
    """Build the county on `url` (or reuse the kept one), serve it, and print the reads' times."""
    started = time.perf_counter()
    made_file = _made_file(name, args) if args.keep else None
    if made_file is not None and made_file.exists():
        run(["-m", "alembic", "upgrade", "head"], url)
        made = json.loads(made_file.read_text())
        print(f"{name}: the kept county ({made_file.name}), migrated to head in {time.perf_counter() - started:.0f} s")
    else:
        made = build(url, villages=args.villages, households=args.households, months=args.months,
                     criteria=args.criteria)
        if made_file is not None:
            made_file.write_text(json.dumps(made))
    if args.build_only:
        print(f"{name}: built {made} in {time.perf_counter() - started:.0f} s ({load()})")
        return
    print(f"{name}: {args.villages} villages × {args.households} households, {made['lines']:,} evaluation lines, "
          f"{made['transactions']:,} transactions, {made['entries']:,} ledger entries, {made['reads']:,} disclosure "
          f"reads, {made['orders']:,} service orders "
          f"(made in {time.perf_counter() - started:.0f} s)")
    server = ServerProcess(url, tmp / "server.log", SECRET_KEY=SECRET, APP_ENV="development").start(timeout=600)
    try:
        with httpx.Client(base_url=server.base, timeout=600) as client:
            def token(phone: str) -> str:
                answer = client.post("/api/v1/auth/login", json={"phone": phone, "password": "demo1234"})
                return answer.json()["access_token"]

            county, town, official = (token(PHONES[r]) for r in ("county_admin", "town_admin", "official"))
            demo_town, demo_official = token("13800000006"), token(DEMO_OFFICIAL)
            v, d = made["village"], made["demo_village"]
            year = f"{shift_month(this_month(), -11)}&to={this_month()}"
            reads = [("county coverage roll-up", "/api/v1/red-black-coverage", county, None),
                     ("township coverage roll-up", "/api/v1/red-black-coverage", town,
                      ("/api/v1/red-black-coverage", demo_town)),
                     ("village 红黑榜 + coverage", f"/api/v1/villages/{v}/red-black-list?month={this_month()}",
                      official, (f"/api/v1/villages/{d}/red-black-list?month={this_month()}", demo_official)),
                     ("village 积分公示", f"/api/v1/villages/{v}/points-notice?month={this_month()}", official,
                      (f"/api/v1/villages/{d}/points-notice?month={this_month()}", demo_official)),
                     ("county dashboard", f"/api/v1/org-units/{made['county']}/dashboard", county, None),
                     ("county dashboard 12 months", f"/api/v1/org-units/{made['county']}/dashboard?from={year}",
                      county, None),
                     ("township dashboard", f"/api/v1/org-units/{made['town']}/dashboard", town,
                      (f"/api/v1/org-units/{made['demo_town']}/dashboard", demo_town)),
                     ("village dashboard", f"/api/v1/org-units/{v}/dashboard", official,
                      (f"/api/v1/org-units/{d}/dashboard", demo_official))]
            print(f"{'read':<30}{'median ms':>11}{'max ms':>9}{'demo ms':>9}{'×demo':>8}{'status':>8}")
            for label, path, who, demo in reads:
                median, worst, status = timed(client, path, who, args.repeat)
                base = timed(client, demo[0], demo[1], args.repeat)[0] if demo else None
                ratio = f"{median / base:.1f}" if base else "-"
                print(f"{label:<30}{median:>11.1f}{worst:>9.1f}{(f'{base:.1f}' if base else '-'):>9}"
                      f"{ratio:>8}{status:>8}   {load()}")
        print(f"server peak RSS: {peak_rss_kb(server.proc.pid) / 1024:.0f} MB")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
