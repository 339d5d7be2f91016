"""Redemption benchmark: concurrent attendants through HTTP against a running server, beside the same
redemption run through the service layer (the floor) and as plain SQL (the raw floor), on SQLite and PostgreSQL,
in one run.

    .venv/bin/python bench/redeem.py [--clients 16] [--seconds 10] [--backends sqlite,postgresql]
                                     [--paths raw,floor,http] [--rounds 1]

Prints redemptions/s, p50/p95/p99 latency and the server's peak RSS; with --rounds N, the paths N times over and the
median http/raw (the raw floor moves with the disk from one run to the next). Targets (issue #3): HTTP throughput at
least half of the floor; p99 at most 5x p50 at 16 clients; server RSS under 200 MB. Issue #19 item 7: HTTP at least
0.1x the raw floor. Loopback only.

Pay codes live 60 seconds: each client takes them from a stack of its own, issued through the service just before
a run (as many as the last run did, plus a margin) and refilled in small batches during it when it runs dry, so a
slow preparation on a loaded machine never hands out a dead code. The raw floor writes its codes' rows itself.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import app.models  # noqa: E402,F401
from app.db import make_engine, session_for, write_session  # noqa: E402
from app.demo import seed_demo_world  # noqa: E402
from app.ledger.accounts import fund_account, open_household_account  # noqa: E402
from app.ledger.postings import Leg, post_transaction  # noqa: E402
from app.org.access import load_actor  # noqa: E402
from app.org.models import Household, OrgUnit, Role, RoleAssignment, User  # noqa: E402
from app.security import hash_password  # noqa: E402
from app.shop.access import counter_shop  # noqa: E402
from app.shop.catalogue.models import BasketLine  # noqa: E402
from app.shop.catalogue.service import create_goods  # noqa: E402
from app.shop.models import Shop, ShopStaff  # noqa: E402
from app.shop.redemption.paycodes import issue_pay_code  # noqa: E402
from app.shop.redemption.service import counter_queue, redeem  # noqa: E402
from bench import raw_redeem  # noqa: E402

SECRET = "bench-secret-" + "b" * 40
PASSWORD = "bench-pass-1"
PG_ADMIN = os.environ.get("ZF_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def demo_world(url: str, **seed) -> Engine:
    """An engine on `url` holding the app's tables and the demo world (app.demo; `seed`: its options), committed."""
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with session_for(engine, write=True) as s:
        seed_demo_world(s, **seed)
        s.commit()
    return engine


def prepare(url: str, clients: int) -> dict:
    """Demo world + one household and one attendant per client, with points and stock."""
    engine = demo_world(url, password_hash=hash_password("demo1234"))
    with session_for(engine, write=True) as s:
        shop = s.exec(select(Shop)).first()
        official = load_actor(s, s.exec(select(User).where(User.phone == "13800000001")).one())
        goods = create_goods(s, actor=official, shop=shop, name="压测商品", points_price=1, stock=100_000)
        raw_goods = create_goods(s, actor=official, shop=shop, name="压测商品（SQL）", points_price=1, stock=100_000)
        fund = fund_account(s, org=s.get(OrgUnit, shop.village_id))
        pw = hash_password(PASSWORD)
        people = []
        for i in range(clients):
            household = Household(village_id=shop.village_id, head_name=f"压测户{i}")
            s.add(household)
            s.flush()
            account = open_household_account(s, household=household)
            post_transaction(s, kind="award", reason="压测", actor_id=None,
                             legs=[Leg(fund, -50_000), Leg(account, 50_000)])
            attendant = User(name=f"店员{i}", phone=f"1370000{i:04d}", password_hash=pw)
            s.add(attendant)
            s.flush()
            s.add(RoleAssignment(user_id=attendant.id, role=Role.attendant, org_id=shop.village_id))
            s.add(ShopStaff(shop_id=shop.id, user_id=attendant.id))
            people.append((household.id, attendant.id, attendant.phone))
        s.commit()
        work = {"shop_id": shop.id, "village_id": shop.village_id, "shop_name": shop.name, "goods_id": goods.id,
                "raw_goods_id": raw_goods.id, "people": people, "engine": engine}
    return work


class CodeStacks:
    """Live pay codes for each client, issued through the service (app.shop.redemption.paycodes): `stock(n)` just
    before a run, and `take(i)` refills client i's stack with a small batch when it runs dry (the refill counts in
    the run's time: a fair price for never handing out a dead code)."""

    REFILL = 16

    def __init__(self, engine, people: list[tuple[int, int, str]]) -> None:
        self.engine, self.people = engine, people
        self.stacks: list[list[str]] = [[] for _ in people]
        self.refills = 0

    def stock(self, n: int) -> None:
        self.stacks = [fresh_codes(self.engine, household_id, n) for household_id, _, _ in self.people]

    def take(self, i: int) -> str:
        if not self.stacks[i]:
            self.refills += 1
            self.stacks[i] = fresh_codes(self.engine, self.people[i][0], self.REFILL)
        return self.stacks[i].pop()


def fresh_codes(engine, household_id: int, n: int) -> list[str]:
    """`n` live pay codes of the household, issued through the service in one transaction."""
    with session_for(engine, write=True) as s:
        household = s.get(Household, household_id)
        made = [issue_pay_code(s, user_id=None, household=household, secret=SECRET)[0] for _ in range(n)]
        s.commit()
        return made


def run_clients(clients: int, seconds: float, one) -> list[float]:
    """Each client calls one(client_index) in a loop for `seconds`; returns every latency in ms."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    barrier = threading.Barrier(clients)
    deadline_holder = {}

    def loop(i):
        barrier.wait()
        deadline_holder.setdefault("end", time.perf_counter() + seconds)
        end = deadline_holder["end"]
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            one(i)
            latencies[i].append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [x for per in latencies for x in per]


def floor(work: dict, clients: int, seconds: float, codes: CodeStacks) -> list[float]:
    """The redemption transaction straight on the database, one session per call, no HTTP."""
    engine = work["engine"]

    def one(i):
        _, attendant_id, _ = work["people"][i]
        pay_code = codes.take(i)
        with write_session(engine) as s, counter_queue(s, shop_id=work["shop_id"], wait=60):
            attendant = load_actor(s, s.get(User, attendant_id))
            redeem(s, counter=counter_shop(s, attendant, work["shop_id"]), attendant=attendant, pay_code=pay_code,
                   items=[BasketLine(goods_id=work["goods_id"], quantity=1)],
                   idempotency_key=uuid.uuid4().hex, secret=SECRET)
            s.commit()

    return run_clients(clients, seconds, one)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(work: dict, url: str, clients: int, seconds: float, log_file: Path, codes: CodeStacks, stock: int,
         profile: str | None = None) -> tuple[list[float], int, int, float]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "HOST": "127.0.0.1", "PORT": str(port),
           "CODE_TRIES_PER_MINUTE": "1000000", "LOGIN_ATTEMPTS_PER_CLIENT": "1000",
           "LOG_FILE": str(log_file)}  # a line per request, written as in production
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:create_served_app", "--factory", "--host",
                               "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
                              cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        sessions = []
        for _, _, phone in work["people"]:
            token = httpx.post(f"{base}/api/v1/auth/login", json={"phone": phone, "password": PASSWORD},
                               timeout=60).json()
            sessions.append(httpx.Client(base_url=base, timeout=30,
                                         headers={"Authorization": f"Bearer {token['access_token']}"}))
        codes.stock(stock)  # last: the codes' minute starts as late as it can
        errors = [0]

        def one(i):
            pay_code = codes.take(i)
            r = sessions[i].post(f"/api/v1/shops/{work['shop_id']}/redemptions",
                                 headers={"Idempotency-Key": uuid.uuid4().hex},
                                 json={"pay_code": pay_code, "items": [{"goods_id": work["goods_id"], "quantity": 1}]})
            if r.status_code != 201:
                errors[0] += 1

        for i in range(clients):  # warm: FastAPI builds a router's routes on its first request (not measured)
            one(i)
        errors[0] = 0
        spy = profiling(server.pid, profile, seconds) if profile else None

        cpu_before = cpu_seconds(server.pid)
        latencies = run_clients(clients, seconds, one)
        cpu = cpu_seconds(server.pid) - cpu_before
        rss = peak_rss_kb(server.pid)
        if spy is not None:
            spy.wait(60)
        return latencies, errors[0], rss, cpu
    finally:
        server.terminate()
        server.wait(10)


def profiling(pid: int, output: str, seconds: float) -> subprocess.Popen:
    """py-spy sampling the server for the run (`pip install --target DIR py-spy`, then PY_SPY=DIR/bin/py-spy or
    py-spy on the PATH): the stacks of the thread holding the GIL (the Python work: one runs at a time), in
    py-spy's raw (folded) format, for bench/profile_top.py."""
    spy = subprocess.Popen([os.environ.get("PY_SPY") or shutil.which("py-spy") or "py-spy", "record", "--pid", str(pid),
                            "--format", "raw", "--output", output, "--duration", str(int(seconds)), "--rate", "250",
                            "--nonblocking", "--gil"],
                           stdout=subprocess.DEVNULL)
    time.sleep(1)  # py-spy attaches before the clients start
    return spy


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) a process has used: the server's, or this one's (pid None)."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def summary(latencies: list[float], seconds: float) -> dict:
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"n": len(ordered), "rps": len(ordered) / seconds, "p50": statistics.median(ordered),
            "p95": pick(0.95), "p99": pick(0.99)}


def backend_url(name: str, tmp: Path) -> str:
    """A fresh database: SQLite, a file in `tmp`; PostgreSQL, one of this process's own (two benchmarks run at once
    keep apart), dropped again by `drop_backend`."""
    if name == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}"
    database = f"zf_bench_{os.getpid()}"
    _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', f'CREATE DATABASE "{database}"')
    return make_url(PG_ADMIN).set(database=database).render_as_string(hide_password=False)


def drop_backend(url: str) -> None:
    """The PostgreSQL database `backend_url` made, dropped (a SQLite file goes with its folder)."""
    if url.startswith("postgresql"):
        _admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@contextmanager
def fresh_backend(name: str) -> Iterator[tuple[str, Path]]:
    """`backend_url`'s fresh database and the folder beside it (the server's log, SQLite's file), both gone after."""
    tmp = Path(tempfile.mkdtemp())
    url = backend_url(name, tmp)
    try:
        yield url, tmp
    finally:
        drop_backend(url)
        shutil.rmtree(tmp, ignore_errors=True)


def _admin(*statements: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--paths", default="raw,floor,http", help="which of raw, floor, http to run")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the paths this many times, one after another, and give the median http/raw")
    parser.add_argument("--profile", help="py-spy the server during the http run into this file (raw format; "
                        "FILE.<backend>, and FILE.<backend>.<round> with --rounds)")
    args = parser.parse_args()
    paths = args.paths.split(",")
    print(f"redemption benchmark: {args.clients} concurrent attendants, {args.seconds:.0f} s per run, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")
    print(f"{'backend':<11}{'path':<7}{'redemptions':>12}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'p99/p50':>9}{'errors':>8}{'RSS MB':>8}{'CPU ms':>8}")
    for name in args.backends.split(","):
        with fresh_backend(name) as (url, tmp):
            work = prepare(url, args.clients)
            codes = CodeStacks(work["engine"], work["people"])
            ratios, expected = [], 64  # codes per client before a run: what the run before needed, plus a margin
            for round_no in range(1, args.rounds + 1):
                rows, expected = one_round(args, paths, name, url, tmp, work, codes, expected, round_no)
                if "http" in rows and "raw" in rows:
                    ratios.append(rows["http"]["rps"] / rows["raw"]["rps"])
            if len(ratios) > 1:
                print(f"{name:<11}http/raw over {len(ratios)} rounds: median {statistics.median(ratios):.3f}, "
                      f"{min(ratios):.3f}–{max(ratios):.3f} (target ≥ 0.1)")
            print(f"{name:<11}pay codes: {codes.refills} refills of {CodeStacks.REFILL} during the runs")
            work["engine"].dispose()


def one_round(args, paths: list[str], name: str, url: str, tmp: Path, work: dict, codes: "CodeStacks",
              expected: int, round_no: int = 1) -> tuple[dict[str, dict], int]:
    """raw, floor and http one after another on the same database (as asked by --paths), printed; the rows, and the
    codes a client needs before the next round's runs. With --profile, each round's http run has a file of its own
    (a second round's would otherwise overwrite the first's)."""
    profile = None
    if args.profile:
        profile = f"{args.profile}.{name}" + (f".{round_no}" if args.rounds > 1 else "")
    rows: dict[str, dict] = {}
    if "raw" in paths:
        began = cpu_seconds()
        rows["raw"] = summary(raw_redeem.run(work, url, args.clients, args.seconds, run_clients, SECRET),
                              args.seconds) | {"errors": 0, "rss": "", "cpu": cpu_seconds() - began}
    if "floor" in paths:
        codes.stock(expected)
        began = cpu_seconds()
        rows["floor"] = summary(floor(work, args.clients, args.seconds, codes), args.seconds) | {
            "errors": 0, "rss": "", "cpu": cpu_seconds() - began}
        expected = int(rows["floor"]["n"] / args.clients * 1.3) + 16
    if "http" in paths:
        lat, errors, rss, cpu = http(work, url, args.clients, args.seconds, tmp / "server.log", codes, expected,
                                     profile)
        rows["http"] = summary(lat, args.seconds) | {"errors": errors, "rss": f"{rss / 1024:.0f}", "cpu": cpu}
        expected = max(expected, int(rows["http"]["n"] / args.clients * 1.3) + 16)
    for label, row in rows.items():
        print(f"{name:<11}{label:<7}{row['n']:>12}{row['rps']:>9.0f}{row['p50']:>9.1f}{row['p95']:>9.1f}"
              f"{row['p99']:>9.1f}{row['p99'] / row['p50']:>9.1f}{row['errors']:>8}{row['rss']:>8}"
              f"{1000 * row['cpu'] / max(row['n'], 1):>8.2f}")
    web = rows.get("http")
    if web and "floor" in rows:
        print(f"{name:<11}http/floor throughput: {web['rps'] / rows['floor']['rps']:.2f} (target ≥ 0.5); "
              f"p99/p50 {web['p99'] / web['p50']:.1f} (target ≤ 5); RSS {web['rss']} MB (target < 200)")
    if web and "raw" in rows:
        print(f"{name:<11}http/raw throughput: {web['rps'] / rows['raw']['rps']:.3f} (target ≥ 0.1)")
    return rows, expected

if __name__ == "__main__":
    main()
