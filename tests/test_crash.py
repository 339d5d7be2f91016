"""kill -9 in the middle of a busy hour (issue #19, item 2), on SQLite and PostgreSQL.

The real server (`python -m app serve`, its own process) takes redemptions by pay code, 扫码 holds, awards and
service ratings (each rating credits the volunteer's household) from several threads at once, each request with an
Idempotency-Key, and is killed with SIGKILL while they are in flight. Started again on the same database:
- every request is sent again with its key: one whose answer was lost is applied now or answers as it was applied
  (never twice), one that was answered answers the same again (the same record);
- every redemption, hold, award and credit answered is in the database, once; nothing else was added;
- `check-ledger` finds the books whole (every balance equals its entries, every hold its request), so nothing was
  half-applied."""

import threading
from dataclasses import dataclass, field
from itertools import zip_longest

import httpx
from sqlalchemy import func, select

from app.db import session_for
from app.ledger.check import check_ledger
from app.ledger.models import LedgerTransaction
from app.shop.redemption.models import Redemption
from app.shop.requests.models import ShopRequest
from tests.conftest import DEMO, TEST_SECRET
from tests.served import ServerProcess, http

THREADS = 4
KILL_AFTER = 8  # answers: the kill falls while the other threads wait for theirs


@dataclass
class Job:
    """One write, with its key: what was sent, and its first answer (None: lost in the kill)."""

    kind: str
    who: str
    path: str
    body: dict
    key: str
    sent: bool = False
    status: int | None = None
    answer: dict = field(default_factory=dict)


def token(base: str, who: str) -> str:
    r = http.post(f"{base}/auth/login", json={"phone": DEMO[who], "password": "demo1234"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def send(base: str, tokens: dict, job: Job) -> httpx.Response:
    return http.post(f"{base}{job.path}", json=job.body, timeout=10,
                      headers={"Authorization": f"Bearer {tokens[job.who]}", "Idempotency-Key": job.key})


def completed_orders(base: str, tokens: dict, count: int) -> list[int]:
    """Service orders of 王建国's, done by 李志愿 and waiting for his rating (which credits 李志愿's household)."""
    def call(who: str, method: str, path: str, **json) -> dict:
        r = http.request(method, f"{base}{path}", json=json or None, timeout=10,
                          headers={"Authorization": f"Bearer {tokens[who]}"})
        assert r.status_code in (200, 201), r.text
        return r.json()

    menu = {s["name"]: s["id"] for s in call("villager", "GET", "/services")["items"]}
    volunteer = call("volunteer", "GET", "/me")["id"]
    orders = []
    for _ in range(count):
        oid = call("villager", "POST", "/orders", service_id=menu["理发"], description="断电测试")["id"]
        call("official", "POST", f"/orders/{oid}/dispatch", volunteer_user_id=volunteer)
        call("volunteer", "POST", f"/orders/{oid}/accept")
        call("volunteer", "POST", f"/orders/{oid}/complete", hours=1, note="好了")
        orders.append(oid)
    return orders


def counts(engine) -> dict[str, int]:
    with session_for(engine, write=False) as s:
        return {"redemptions": s.exec(select(func.count()).select_from(Redemption)).one()[0],
                "requests": s.exec(select(func.count()).select_from(ShopRequest)).one()[0],
                "transactions": s.exec(select(func.count()).select_from(LedgerTransaction)).one()[0]}


def test_a_kill_mid_load_loses_nothing_and_doubles_nothing(demo_engine, tmp_path):
    url = demo_engine.url.render_as_string(hide_password=False)
    demo_engine.dispose()
    server = ServerProcess(url, tmp_path / "server.log", SECRET_KEY=TEST_SECRET, APP_ENV="development").start()
    base = f"{server.base}/api/v1"
    try:
        tokens = {who: token(base, who) for who in ("villager", "attendant", "official", "volunteer")}
        shop = http.get(f"{base}/shops", headers={"Authorization": f"Bearer {tokens['attendant']}"},
                         timeout=10).json()["items"][0]["id"]
        goods = min(http.get(f"{base}/shops/{shop}/goods", timeout=10,
                              headers={"Authorization": f"Bearer {tokens['villager']}"}).json()["items"],
                    key=lambda g: g["points_price"])["id"]
        household = http.get(f"{base}/me", headers={"Authorization": f"Bearer {tokens['villager']}"},
                              timeout=10).json()["household_id"]
        orders = completed_orders(base, tokens, 6)
        before = counts(demo_engine)

        kinds: list[list[Job]] = [
            [Job("award", "official", "/points/awards",
                 {"household_id": household, "points": 2, "reason": f"断电测试 {n}"}, f"crash-award-{n}")
             for n in range(8)],
            [Job("hold", "villager", f"/shops/{shop}/requests", {"items": [{"goods_id": goods, "quantity": 1}]},
                 f"crash-hold-{n}") for n in range(4)],
            [Job("credit", "villager", f"/orders/{oid}/rate", {"stars": 5}, f"crash-rate-{n}")
             for n, oid in enumerate(orders)],
            # each with a code of its own, asked for just before (as the counter scans it)
            [Job("redemption", "attendant", f"/shops/{shop}/redemptions",
                 {"items": [{"goods_id": goods, "quantity": 1}]}, f"crash-sale-{n}") for n in range(8)]]
        jobs = [job for row in zip_longest(*kinds) for job in row if job is not None]  # the kinds interleaved

        queue = list(reversed(jobs))
        lock, answered = threading.Lock(), threading.Event()

        def worker() -> None:
            while True:
                with lock:
                    if not queue or answered.is_set():  # the kill is coming: nothing new is sent
                        return
                    job = queue.pop()
                try:
                    if job.kind == "redemption":
                        code = http.get(f"{base}/me/pay-code", timeout=10,
                                         headers={"Authorization": f"Bearer {tokens['villager']}"})
                        job.body["pay_code"] = code.json()["code"]
                    job.sent = True
                    r = send(base, tokens, job)
                    job.status, job.answer = r.status_code, r.json()
                except (httpx.TransportError, ValueError, KeyError):
                    pass  # the answer is lost (the server died under it, or before the code came)
                with lock:
                    if sum(j.status is not None for j in jobs) >= KILL_AFTER:
                        answered.set()

        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        for t in threads:
            t.start()
        answered.wait(timeout=60)
        server.kill()
        for t in threads:
            t.join(timeout=30)
        in_flight = [j for j in jobs if j.sent and j.status is None]
        assert in_flight, "the kill should fall while requests wait for their answers"

        server.start()
        for job in jobs:
            if job.kind == "redemption" and "pay_code" not in job.body:
                continue  # never sent: it had no code yet
            again = send(base, tokens, job)
            if job.status is None:  # lost (or never sent): applied now, or answered as it was applied
                job.status, job.answer = again.status_code, again.json()
                assert job.status < 500, (job, again.text)
            else:  # answered: the same answer again, the same record
                assert again.status_code == job.status and again.json().get("id") == job.answer.get("id"), (
                    job, again.text)

        made = {kind: [j for j in jobs if j.kind == kind and j.status in (200, 201, 202)]
                for kind in ("award", "hold", "credit", "redemption")}
        assert made["award"] and made["credit"], [(j.key, j.status, j.answer) for j in jobs]
        after = counts(demo_engine)
        assert after["redemptions"] - before["redemptions"] == len(made["redemption"])
        assert after["requests"] - before["requests"] == len(made["hold"])
        # A transaction for each posted award, credit, redemption and hold; nothing else, nothing twice.
        posted = [j for j in made["award"] + made["credit"] if j.answer.get("status") != "pending"]
        assert after["transactions"] - before["transactions"] == (
            len(posted) + len(made["redemption"]) + len(made["hold"]))
        with session_for(demo_engine, write=False) as s:
            assert check_ledger(s) == []
    finally:
        server.stop()
