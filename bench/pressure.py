"""Pressure from one villager (issue #7): bursts of pay-code requests and page loads while /health is probed.

    .venv/bin/python bench/pressure.py [--pay 50] [--pages 30] [--rounds 3] [--photos 4] [--backends sqlite,postgresql]

One server process (uvicorn, as `make run` starts it) on a fresh demo database. Each round sends, all at once,
`--pay` GET /api/v1/me/pay-code from the same villager and `--pages` page loads of that villager (/pay, which
issues a code, and /), while another thread asks /api/v1/health every 50 ms. With `--photos`, an official uploads
that many large photos (a 12-megapixel PNG, the largest decoded at full size) while an attendant redeems at the
counter. Prints status counts, latencies, the slowest /health answer and the server's peak RSS. Targets: no 5xx,
/health under 1 s throughout, the redemption beside the photos close to its usual time.
"""

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from PIL import Image
from sqlmodel import SQLModel, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from redeem import SECRET, backend_url, drop_backend, peak_rss_kb  # noqa: E402

import app.models  # noqa: E402,F401
from app.db import make_engine, session_for  # noqa: E402
from app.demo import seed_demo_world  # noqa: E402
from app.security import hash_password  # noqa: E402
from app.shop.catalogue.models import Goods  # noqa: E402
from app.shop.models import Shop  # noqa: E402
from tests.served import ServerProcess  # noqa: E402

DEMO_PASSWORD = "demo1234"


def login(base: str, phone: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/login", json={"phone": phone, "password": DEMO_PASSWORD}, timeout=30)
    r.raise_for_status()
    return r.json()["access_token"]


class Probe(threading.Thread):
    """GET /health every 50 ms until stopped; keeps each answer's status and time."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base, self.results, self.stop = base, [], threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=60) as client:
            while not self.stop.is_set():
                t0 = time.perf_counter()
                try:
                    status = client.get(f"{self.base}/api/v1/health").status_code
                except httpx.HTTPError:
                    status = 0
                self.results.append((status, time.perf_counter() - t0))
                time.sleep(0.05)


def burst(base: str, token: str, pay: int, pages: int) -> list[tuple[str, int, float]]:
    """`pay` pay-code requests and `pages` page loads, all released at once; (what, status, seconds) each."""
    limits = httpx.Limits(max_connections=pay + pages + 10, max_keepalive_connections=pay + pages + 10)
    client = httpx.Client(base_url=base, timeout=120, limits=limits)
    barrier = threading.Barrier(pay + pages)
    bearer = {"Authorization": f"Bearer {token}"}
    cookies = {"zf_session": token}

    def one(i: int) -> tuple[str, int, float]:
        what = "pay-code" if i < pay else ("/pay" if i % 2 else "/")
        barrier.wait()
        t0 = time.perf_counter()
        try:
            if what == "pay-code":
                status = client.get("/api/v1/me/pay-code", headers=bearer).status_code
            else:
                status = client.get(what, cookies=cookies).status_code
        except httpx.HTTPError:
            status = 0
        return what, status, time.perf_counter() - t0

    with ThreadPoolExecutor(max_workers=pay + pages) as pool:
        found = list(pool.map(one, range(pay + pages)))
    client.close()
    return found


def big_png() -> bytes:
    """12 megapixels of noise-free gradient: small as a file, 48 MB once decoded."""
    im = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    out = io.BytesIO()
    im.save(out, "PNG", optimize=True)
    return out.getvalue()


def photos_beside_a_redemption(base: str, url: str, photos: int) -> tuple[list[int], float, float]:
    """`photos` uploads at once and one redemption a moment later: (upload statuses, redemption s, usual s)."""
    engine = make_engine(url)
    with session_for(engine, write=False) as s:
        shop = s.exec(select(Shop)).first()
        goods = s.exec(select(Goods).where(Goods.shop_id == shop.id, Goods.stock > 5)).first()
    engine.dispose()
    official = {"Authorization": f"Bearer {login(base, '13800000001')}"}
    attendant = {"Authorization": f"Bearer {login(base, '13800000002')}"}
    villager = {"Authorization": f"Bearer {login(base, '13800000004')}"}
    png = big_png()

    def redeem_once() -> float:
        with httpx.Client(base_url=base, timeout=120) as c:
            code = c.get("/api/v1/me/pay-code", headers=villager).json()["code"]
            t0 = time.perf_counter()
            r = c.post(f"/api/v1/shops/{shop.id}/redemptions", headers=attendant,
                       json={"pay_code": code, "items": [{"goods_id": goods.id, "quantity": 1}]})
            assert r.status_code == 201, r.text
            return time.perf_counter() - t0

    usual = statistics.median(redeem_once() for _ in range(5))

    def upload(_: int) -> int:
        with httpx.Client(base_url=base, timeout=120) as c:
            return c.put(f"/api/v1/shops/{shop.id}/goods/{goods.id}/photo", headers=official,
                         files={"photo": ("big.png", png, "image/png")}).status_code

    with ThreadPoolExecutor(max_workers=photos) as pool:
        uploads = [pool.submit(upload, i) for i in range(photos)]
        time.sleep(0.3)  # the uploads are being decoded
        beside = redeem_once()
        statuses = [u.result() for u in uploads]
    return statuses, beside, usual


def seed(url: str) -> None:
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with session_for(engine, write=True) as s:
        seed_demo_world(s, password_hash=hash_password(DEMO_PASSWORD))
        s.commit()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pay", type=int, default=50)
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--photos", type=int, default=4)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"pressure: {args.rounds} rounds of {args.pay} pay-code requests + {args.pages} page loads from one "
          f"villager, /health every 50 ms; {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    for name in args.backends.split(","):
        tmp = Path(tempfile.mkdtemp())
        server = None
        url = backend_url(name, tmp)
        try:
            seed(url)
            server = ServerProcess(url, tmp / "server.log", SECRET_KEY=SECRET, LOGIN_ATTEMPTS_PER_CLIENT="1000",
                                   CODE_TRIES_PER_MINUTE="100000").start()
            base = server.base
            token = login(base, "13800000004")
            probe = Probe(base)
            probe.start()
            found = []
            for _ in range(args.rounds):
                found += burst(base, token, args.pay, args.pages)
            probe.stop.set()
            probe.join()
            statuses = Counter(status for _, status, _ in found)
            slowest = max(t for _, _, t in found)
            median = statistics.median(t for _, _, t in found)
            health = [t for _, t in probe.results]
            health_bad = sum(1 for status, _ in probe.results if status != 200)
            print(f"{name:<11} requests {len(found)}: " + ", ".join(f"{k}×{v}" for k, v in sorted(statuses.items()))
                  + f"; median {median * 1000:.0f} ms, slowest {slowest * 1000:.0f} ms")
            print(f"{name:<11} /health: {len(health)} probes, {health_bad} not 200, "
                  f"slowest {max(health) * 1000:.0f} ms, median {statistics.median(health) * 1000:.0f} ms")
            if args.photos:
                uploads, beside, usual = photos_beside_a_redemption(base, url, args.photos)
                print(f"{name:<11} {args.photos} uploads of a 12 MP PNG: {Counter(uploads)}; a redemption meanwhile "
                      f"{beside * 1000:.0f} ms (usually {usual * 1000:.0f} ms)")
            print(f"{name:<11} server peak RSS {peak_rss_kb(server.proc.pid) / 1024:.0f} MB")
        finally:
            if server is not None:
                server.stop()
            drop_backend(url)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
