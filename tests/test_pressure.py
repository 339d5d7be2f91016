"""Under pressure (issue #7, items 1 and 2): one villager cannot stall the server; every wait is bounded and answered
503 `busy` with Retry-After; photos and passwords are worked on outside the database's writer."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.config import DbLimits
from app.db import make_engine, session_for, writer_for
from app.main import create_app
from app.org.models import Household
from app.shop.catalogue.models import Goods
from app.shop.models import Shop
from tests.conftest import DEMO, TestClient, error_code, make_settings
from tests.served import http, in_thread

BURST = 20
ON_SQLITE = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # the writer queue is SQLite's


@pytest.fixture
def served(app):
    """The test's app under uvicorn on a free port (real threads, a real pool)."""
    with in_thread(app) as base:
        yield base


def test_a_burst_of_pay_codes_from_one_villager_answers_every_request(served, api):
    """Reported: 20 concurrent GET /me/pay-code gave 15×200 and 5×500 after 30 s, /health took 29.9 s."""
    bearer = {"Authorization": f"Bearer {api.token('villager')}"}
    barrier = threading.Barrier(BURST + 1)

    def pay_code(_):
        barrier.wait()
        return http.get(f"{served}/api/v1/me/pay-code", headers=bearer, timeout=60).status_code

    def health():
        barrier.wait()
        time.sleep(0.05)
        return http.get(f"{served}/api/v1/health", timeout=60).status_code

    with ThreadPoolExecutor(BURST + 1) as pool:
        codes = [pool.submit(pay_code, i) for i in range(BURST)]
        alive = pool.submit(health)
        statuses = [c.result() for c in codes]
    assert statuses == [200] * BURST
    assert alive.result() == 200


class TestBoundedWaits:
    @ON_SQLITE
    def test_waiting_too_long_for_the_writer_is_503_busy(self, sqlite_demo):
        """SQLite's writer held elsewhere (another process's writer, a long write): refused in time, not hung."""
        client, engine = sqlite_demo
        lock = writer_for(engine).lock
        assert lock.acquire(timeout=1)
        try:
            r = client.post("/api/v1/points/awards", json={"household_id": _wang(engine), "points": 5,
                                                           "reason": "清理河道"}, headers=_bearer(client, "official"))
        finally:
            lock.release()
        assert r.status_code == 503 and error_code(r) == "busy" and int(r.headers["retry-after"]) > 0
        assert _balance(engine) == 600

    @pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
    def test_waiting_too_long_for_a_row_lock_is_503_busy(self, demo_engine):
        """PostgreSQL: a row held by another transaction is waited for at most the write wait (lock_timeout)."""
        url = demo_engine.url.render_as_string(hide_password=False)
        engine = make_engine(url, limits=DbLimits(write_wait=0.3))
        client = TestClient(create_app(make_settings(engine, db_write_wait=0.3), engine=engine))
        with engine.connect() as holder:
            holder.execute(text("SELECT id FROM accounts WHERE household_id = :h FOR UPDATE"), {"h": _wang(engine)})
            r = client.post("/api/v1/points/awards", json={"household_id": _wang(engine), "points": 5,
                                                           "reason": "清理河道"}, headers=_bearer(client, "official"))
            holder.rollback()
        assert r.status_code == 503 and error_code(r) == "busy" and r.headers["retry-after"]
        assert _balance(engine) == 600
        engine.dispose()

    def test_the_pool_comes_from_the_settings(self, tmp_path):
        settings = make_settings(make_engine(f"sqlite:///{tmp_path / 'x.db'}"), db_pool_size=3, db_max_overflow=2,
                                 db_pool_timeout=1.5)
        pool = create_app(settings).state.engine.pool
        assert (pool.size(), pool._max_overflow, pool._timeout) == (3, 2, 1.5)


class TestHeavyWorkOutsideTheWriter:
    """Four uploads of a large photo made a concurrent redemption take 4.2 s: the decoding held SQLite's writer."""

    @ON_SQLITE
    def test_a_photo_is_decoded_while_the_writer_is_free(self, sqlite_demo, monkeypatch):
        client, engine = sqlite_demo
        seen = _spy_writer(monkeypatch, engine, ["app.shop.catalogue.api.process_photo",
                                                 "app.shop.catalogue.pages.process_photo"])
        with session_for(engine, write=False) as s:
            shop = s.exec(select(Shop)).first()
            goods = s.exec(select(Goods).where(Goods.shop_id == shop.id)).first()
        from tests.shop.test_goods_api import jpeg_bytes

        r = client.put(f"/api/v1/shops/{shop.id}/goods/{goods.id}/photo", headers=_bearer(client, "attendant"),
                       files={"photo": ("p.jpg", jpeg_bytes(), "image/jpeg")})
        assert r.status_code == 200 and r.json()["image_url"]
        assert seen == ["writer free"]

    @ON_SQLITE
    def test_passwords_are_hashed_while_the_writer_is_free(self, sqlite_demo, monkeypatch):
        client, engine = sqlite_demo
        seen = _spy_writer(monkeypatch, engine, ["app.org.service.hash_password"])
        r = client.post("/api/v1/households", headers=_bearer(client, "official"), json={
            "head_name": "孙立新", "members": [{"name": "孙立新", "phone": "13912345678", "password": "sunlixin2024"},
                                               {"name": "孙小梅", "phone": "13912345679", "password": "xiaomei2024"}]})
        assert r.status_code == 201
        assert seen == ["writer free", "writer free"]


@pytest.fixture
def sqlite_demo(demo_engine):
    """The demo world on SQLite, served by an app whose waits run out after 0.3 s."""
    with TestClient(create_app(make_settings(demo_engine, db_write_wait=0.3), engine=demo_engine)) as client:
        yield client, demo_engine


def _spy_writer(monkeypatch, engine, targets: list[str]) -> list[str]:
    """Wrap each target so that it records whether SQLite's writer was free while it ran."""
    seen: list[str] = []
    lock = writer_for(engine).lock
    for target in targets:
        module, name = target.rsplit(".", 1)
        original = getattr(__import__(module, fromlist=[name]), name)

        def spy(*args, _original=original, **kwargs):
            free = lock.acquire(timeout=0)
            if free:
                lock.release()
            seen.append("writer free" if free else "writer held")
            return _original(*args, **kwargs)

        monkeypatch.setattr(target, spy)
    return seen


def _bearer(client, who: str) -> dict:
    r = client.post("/api/v1/auth/login", json={"phone": DEMO[who], "password": "demo1234"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _wang(engine) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(Household.id).where(Household.head_name == "王建国")).one()


def _balance(engine) -> int:
    from app.ledger.service import household_balance

    with session_for(engine, write=False) as s:
        return household_balance(s, household_id=_wang(engine))
