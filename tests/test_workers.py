"""Two server processes on one PostgreSQL database, one truth (issue #19, item 1).

The real server (`WORKERS=2 python -m app serve`: two uvicorn workers on one socket) takes the races of
tests/shop, tests/volunteer and tests/evaluation over HTTP, each request on a fresh connection so that the kernel
spreads them over both workers; the code-failure ceiling holds for the two together; a redemption or a refused code
reaches the 积分码 screens held open on either worker. The races' own setup (tests/*/test_races.py) is reused; users
sign in with tokens made with the server's secret."""

import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlmodel import SQLModel, select

from app.db import session_for
from app.ledger.accounts import household_account
from app.ledger.check import check_ledger
from app.org.models import Household, User
from app.security import create_access_token
from app.shop.catalogue.models import Goods
from app.shop.redemption.models import PayCode, Redemption
from app.volunteer.models import ServiceOrder
from tests.conftest import TEST_SECRET, own_pg_database, seed_template
from tests.evaluation.test_races import credited_once, published_round
from tests.ledger.test_races import run_all
from tests.served import ServerProcess, http
from tests.shop.test_races import codes, setup
from tests.volunteer.conftest import demo_order
from tests.volunteer.test_races import GRABBERS, make_volunteers

pytestmark = pytest.mark.postgres


def workers(pid: int) -> list[int]:
    """The uvicorn workers of server `pid` (its children started by multiprocessing's spawn, not its helpers)."""
    found = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [c for c in found if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def talks_to_postgres(pid: int) -> bool:
    """Whether process `pid` holds a connection to port 5432 (a worker opens its pool when it first serves)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[2].endswith(":1538") and fields[9] in inodes:  # 0x1538 = 5432
                return True
    return False


def both_started(server: ServerProcess) -> None:
    """ServerProcess.start() returns once one worker answers; the other may still be importing the app."""
    deadline = time.monotonic() + 60
    while server.log.read_text(errors="replace").count("Application startup complete") < 2:
        assert time.monotonic() < deadline, server.log.read_text(errors="replace")[-2000:]
        time.sleep(0.1)


class Served:
    def __init__(self, engine, server: ServerProcess) -> None:
        self.engine, self.server = engine, server
        self.api = f"{server.base}/api/v1"
        self.tokens: dict[int, dict[str, str]] = {}

    def token(self, user_id: int) -> dict[str, str]:
        if user_id not in self.tokens:
            with session_for(self.engine, write=False) as s:
                version = s.get(User, user_id).token_version
            token = create_access_token(secret=TEST_SECRET, user_id=user_id, token_version=version, minutes=60)
            self.tokens[user_id] = {"Authorization": f"Bearer {token}"}
        return self.tokens[user_id]

    def user(self, phone: str) -> int:
        with session_for(self.engine, write=False) as s:
            return s.exec(select(User.id).where(User.phone == phone)).one()

    def post(self, path: str, user_id: int, json: dict | None = None) -> httpx.Response:
        """On a connection of its own: the kernel gives it to either worker."""
        return http.post(f"{self.api}{path}", json=json, headers=self.token(user_id), timeout=30)

    def balance(self, household_id: int) -> int:
        with session_for(self.engine, write=False) as s:
            return household_account(s, household_id=household_id).balance

    def ledger_whole(self) -> None:
        with session_for(self.engine, write=False) as s:
            assert check_ledger(s) == []


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The demo world in a database of this module's own, served by two workers."""
    with own_pg_database("_workers") as engine:
        SQLModel.metadata.create_all(engine)
        seed_template(engine)
        shop_id, goods_id, poor, staff = setup(engine, price=7, stock=1000, attendants=12)
        url = engine.url.render_as_string(hide_password=False)
        server = ServerProcess(url, tmp_path_factory.mktemp("workers") / "server.log", WORKERS="2",
                               SECRET_KEY=TEST_SECRET, APP_ENV="development").start()
        try:
            assert len(workers(server.proc.pid)) == 2
            both_started(server)
            yield Served(engine, server), {"shop": shop_id, "goods": goods_id, "poor": poor, "staff": staff}
            assert all(talks_to_postgres(pid) for pid in workers(server.proc.pid)), "a worker served nothing"
        finally:
            server.stop()


def sale(world: dict, code: str, quantity: int = 1) -> dict:
    return {"pay_code": code, "items": [{"goods_id": world["goods"], "quantity": quantity}]}


def test_24_redemptions_against_one_balance(served):
    app, world = served
    household = world["poor"]  # 赵德明: 80 points, 11 soaps of 7
    start = app.balance(household)
    fresh = codes(app.engine, household, 24)
    answers = run_all(24, lambda i: app.post(f"/shops/{world['shop']}/redemptions", world["staff"][0],
                                             sale(world, fresh[i])))
    statuses = sorted(r.status_code for r in answers)
    k = start // 7
    assert statuses == [201] * k + [409] * (24 - k), [r.text for r in answers if r.status_code not in (201, 409)]
    assert {r.json()["error"]["code"] for r in answers if r.status_code == 409} == {"insufficient_points"}
    assert app.balance(household) == start - 7 * k
    app.ledger_whole()


def test_one_code_at_ten_counters_pays_once(served):
    app, world = served
    with session_for(app.engine, write=False) as s:
        household = s.exec(select(Household.id).where(Household.head_name == "王建国")).one()
        stock = s.get(Goods, world["goods"]).stock
    start = app.balance(household)
    (code,) = codes(app.engine, household, 1)
    answers = run_all(10, lambda i: app.post(f"/shops/{world['shop']}/redemptions", world["staff"][i],
                                             sale(world, code)))
    assert sorted(r.status_code for r in answers) == [201] + [409] * 9, [r.text for r in answers]
    assert {r.json()["error"]["code"] for r in answers if r.status_code == 409} == {"pay_code_used"}
    assert app.balance(household) == start - 7
    with session_for(app.engine, write=False) as s:
        assert s.get(Goods, world["goods"]).stock == stock - 1
    app.ledger_whole()


def test_volunteers_grabbing_one_order_one_wins(served):
    app, _ = served
    order_id = demo_order(app.engine, "读报聊天")
    grabbers = [app.user(phone) for phone in make_volunteers(app.engine, GRABBERS)]
    answers = run_all(GRABBERS, lambda i: app.post(f"/orders/{order_id}/accept", grabbers[i]))
    statuses = sorted(r.status_code for r in answers)
    # the others: 409 (taken while they tried) or 404 (taken before: another's order is no longer theirs to see)
    assert statuses[0] == 200 and set(statuses[1:]) <= {404, 409}, [r.text for r in answers]
    with session_for(app.engine, write=False) as s:
        order = s.get(ServiceOrder, order_id)
        assert order.status == "accepted" and order.version == 1 and order.volunteer_id in grabbers


def test_finalize_from_ten_requests_credits_once(served):
    app, _ = served
    round_id, homes, before = published_round(app.engine)
    official = app.user("13800000001")
    answers = run_all(10, lambda i: app.post(f"/evaluations/{round_id}/finalize", official))
    assert {r.status_code for r in answers} == {200}, [r.text for r in answers]
    assert {r.json()["status"] for r in answers} == {"final"}
    credited_once(app.engine, round_id, homes, before)


def test_150_random_codes_meet_the_ceiling_of_both_workers_together(served):
    """In each worker's memory the attendant would get 20 refusals per worker; shared, 20 in all."""
    app, world = served
    guesser = world["staff"][11]

    def guess(_):
        code = "66" + "".join(secrets.choice("0123456789") for _ in range(16))
        return app.post(f"/shops/{world['shop']}/redemptions", guesser, sale(world, code)).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(guess, range(150)))
    assert statuses.count(400) == 20 and statuses.count(429) == 130


def test_the_pay_screen_hears_of_the_other_worker_within_2_s(served):
    """Six screens wait (/pay/wait, each on a connection of its own: both workers hold some); a redemption, then a
    scan of the used code, each reaches all six within 2 s: the receipt from the database, the refusal from the
    limiter table."""
    app, world = served
    villager = app.user("13800000004")
    with session_for(app.engine, write=False) as s:
        household = s.get(User, villager).household_id
    (code,) = codes(app.engine, household, 1)
    with session_for(app.engine, write=False) as s:
        code_id = s.exec(select(PayCode.id).order_by(PayCode.id.desc())).first()
        latest = s.exec(select(Redemption.id).order_by(Redemption.id.desc())).first() or 0

    def screens(after_id: int, act) -> list[tuple[str, float]]:
        def wait(i):
            if i == 6:
                time.sleep(1.0)  # the screens are waiting by then
                assert act().status_code in (201, 409)
                return time.monotonic()  # the redemption is committed, the refusal counted
            r = http.get(f"{app.server.base}/pay/wait", headers=app.token(villager), timeout=30,
                          params={"after_id": after_id, "code_id": code_id, "until": 20})
            return r.headers.get("X-Pay-Event"), time.monotonic()

        *waits, acted = run_all(7, wait)
        return [(event, at - acted) for event, at in waits]

    sold = screens(latest, lambda: app.post(f"/shops/{world['shop']}/redemptions", world["staff"][1],
                                            sale(world, code)))
    assert all(event == "receipt" and after < 2 for event, after in sold), sold
    with session_for(app.engine, write=False) as s:
        latest = s.exec(select(Redemption.id).order_by(Redemption.id.desc())).first()
    refused = screens(latest, lambda: app.post(f"/shops/{world['shop']}/payer", world["staff"][1],
                                               {"pay_code": code}))
    assert all(event == "code" and after < 2 for event, after in refused), refused
