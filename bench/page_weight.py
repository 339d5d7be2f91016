"""What a first visit costs over the wire: each main page opened in Chromium at 390×844 with an empty cache.

    .venv/bin/python bench/page_weight.py

Serves the demo world under uvicorn (its own SQLite file), signs each person in through the login form by a plain
request (so the login page's own files are not in the cache), then opens the page in a fresh browser context with
the service worker blocked (its precache comes after the visit) and counts every answer as received: bodies as sent
(gzip where the server compresses) plus the answers' headers. Goods photos are counted twice: those on the first
screen ("first screen": what the page needs before the villager scrolls), and all that Chromium fetched by itself
within two seconds ("as loaded": it fetches lazy photos some way below the fold too). "again": the same page
opened again by a link after another page, in the same browser: what a return visit costs.
Target (issue #18 item 6): the basket page (扫码兑换) at most 60 KB on the first screen.
"""

import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore", message=".*httpx.*")

from sqlmodel import SQLModel, select  # noqa: E402

import app.models  # noqa: E402,F401
from app.config import Settings  # noqa: E402
from app.db import make_engine, session_for  # noqa: E402
from app.demo import seed_demo_world  # noqa: E402
from app.main import create_app  # noqa: E402
from app.shop.models import Shop  # noqa: E402
from tests.served import in_thread  # noqa: E402

VILLAGER, ATTENDANT = "13800000004", "13800000002"
PAGES = [("首页", VILLAGER, "/"), ("积分", VILLAGER, "/points"), ("扫码兑换 (basket)", VILLAGER, "/shop/order/{shop}"),
         ("服务", VILLAGER, "/service"), ("公开", VILLAGER, "/disclosures"), ("积分码", VILLAGER, "/pay"),
         ("收银台", ATTENDANT, "/counter")]
BUDGET = 60 * 1024
# The photos whose top is within the first screen (the rest wait for a scroll).
# What this document fetched over the network (a file from the browser's cache has no transfer size).
OVER_THE_WIRE = """() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
  .filter(e => e.transferSize > 0).map(e => [new URL(e.name).pathname, e.transferSize])"""
ON_FIRST_SCREEN = """() => Array.from(document.images).filter(i => i.getBoundingClientRect().top < innerHeight)
  .map(i => new URL(i.currentSrc || i.src, location.href).pathname)"""


@contextmanager
def serve() -> Iterator[tuple[str, int]]:
    engine = make_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'weight.db'}")
    SQLModel.metadata.create_all(engine)
    with session_for(engine, write=True) as s:
        seed_demo_world(s)
        s.commit()
        shop_id = s.exec(select(Shop.id).where(Shop.name == "振风超市")).one()
    application = create_app(Settings(database_url=str(engine.url), secret_key="w" * 40), engine=engine)
    with in_thread(application) as base:
        yield base, shop_id


def weigh(browser, base: str, phone: str, path: str) -> dict:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", service_workers="block")
    context.request.post(f"{base}/login", form={"phone": phone, "password": "demo1234"}, max_redirects=0)
    answers: dict[str, int] = {}

    def finished(request) -> None:
        sizes = request.sizes()
        answers[request.url.removeprefix(base)] = sizes["responseBodySize"] + sizes["responseHeadersSize"]

    page = context.new_page()
    page.on("requestfinished", finished)
    page.goto(base + path, wait_until="load")
    page.wait_for_timeout(2000)  # lazy photos Chromium decides to fetch, the badges the tab bar asks for
    first_screen = set(page.evaluate(ON_FIRST_SCREEN))
    first = dict(answers)
    page.goto(base + "/me", wait_until="load")  # away, and back by a link: what coming back costs
    page.goto(base + path, wait_until="load")
    page.wait_for_timeout(1000)
    again = page.evaluate(OVER_THE_WIRE)
    context.close()
    answers = first
    photos = {u: n for u, n in answers.items() if u.startswith("/media/")}
    rest = sum(n for u, n in answers.items() if u not in photos)
    return {"first": rest + sum(n for u, n in photos.items() if u in first_screen),
            "loaded": rest + sum(photos.values()),
            "again": (sum(n for _, n in again), [u for u, _ in again]), "requests": len(answers), "photos": len(photos),
            "photos_first": len(set(photos) & first_screen),
            "html": next((n for u, n in answers.items() if u.split("?")[0] == path), 0)}


def main() -> None:
    from playwright.sync_api import sync_playwright

    with serve() as (base, shop_id):
        print(f"{'page':<20}{'first screen KB':>16}{'as loaded KB':>14}{'requests':>10}{'photos':>12}{'page KB':>9}"
              f"{'again KB':>10}  again: requests")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            for name, phone, path in PAGES:
                w = weigh(browser, base, phone, path.format(shop=shop_id))
                print(f"{name:<20}{w['first'] / 1024:>16.1f}{w['loaded'] / 1024:>14.1f}{w['requests']:>10}"
                      f"{w['photos_first']:>6} of {w['photos']:<3}{w['html'] / 1024:>9.1f}"
                      f"{w['again'][0] / 1024:>10.1f}  "
                      + ", ".join(u.rsplit("/", 1)[-1] or "/" for u in w["again"][1]))
                if "order" in path:
                    print(f"{'':<20}basket budget {BUDGET // 1024} KB on the first screen: "
                          f"{'met' if w['first'] <= BUDGET else 'MISSED'}")
            browser.close()


if __name__ == "__main__":
    main()
