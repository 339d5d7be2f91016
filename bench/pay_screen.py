"""What an open 积分码 screen costs over the wire: requests and bytes a minute while a villager keeps it open.

    .venv/bin/python bench/pay_screen.py                 # 60 s, the demo villager, its own server
    .venv/bin/python bench/pay_screen.py --seconds 120

Starts the app under uvicorn on a fresh SQLite file with the demo world, signs the villager in with the system
Chromium (Playwright), opens /pay and counts every request the page makes after it has loaded (the page itself and
its assets are not counted: they are the visit, not the screen staying open), with the bytes of each answer as
received (compressed; with and without the headers both ways), for `--seconds`.
Issue #7 item 9: it was 31 requests and 13.7 KB a minute.
"""

import argparse
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore", message=".*httpx.*")

from sqlmodel import SQLModel  # noqa: E402

import app.models  # noqa: E402,F401
from app.config import Settings  # noqa: E402
from app.db import make_engine, session_for  # noqa: E402
from app.demo import seed_demo_world  # noqa: E402
from app.main import create_app  # noqa: E402
from tests.served import in_thread  # noqa: E402


@contextmanager
def serve() -> Iterator[str]:
    tmp = Path(tempfile.mkdtemp())
    engine = make_engine(f"sqlite:///{tmp / 'pay.db'}")
    SQLModel.metadata.create_all(engine)
    with session_for(engine, write=True) as s:
        seed_demo_world(s)
        s.commit()
    application = create_app(Settings(database_url=str(engine.url), secret_key="p" * 40), engine=engine)
    with in_thread(application) as base:
        yield base


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with serve() as base:
        seen: list[dict] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
            page.goto(base + "/login")
            page.fill("input[name=phone]", "13800000004")
            page.fill("input[name=password]", "demo1234")
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
            page.goto(base + "/pay")
            page.wait_for_load_state("load")  # not "networkidle": the screen keeps one request open on purpose
            counting = {"on": True}

            def finished(request) -> None:
                if not counting["on"]:
                    return
                sizes = request.sizes()
                seen.append({"url": request.url.removeprefix(base), "body": sizes["responseBodySize"],
                             "bytes": sizes["responseBodySize"] + sizes["responseHeadersSize"]
                             + sizes["requestHeadersSize"] + sizes["requestBodySize"]})

            page.on("requestfinished", finished)
            start = time.monotonic()
            page.wait_for_timeout(args.seconds * 1000)
            counting["on"] = False
            elapsed = time.monotonic() - start
            browser.close()
    per_minute = 60 / elapsed
    total, bodies = sum(r["bytes"] for r in seen), sum(r["body"] for r in seen)
    print(f"open pay screen, {elapsed:.0f} s: {len(seen)} requests = {len(seen) * per_minute:.1f} requests a minute; "
          f"{bodies * per_minute / 1024:.1f} KB of answers a minute ({total * per_minute / 1024:.1f} KB with "
          "the headers both ways)")
    paths: dict[str, list[int]] = {}
    for r in seen:
        paths.setdefault(r["url"].split("?")[0], []).append(r["bytes"])
    for path, sizes in sorted(paths.items()):
        print(f"  {path:<20} {len(sizes):>3} × avg {sum(sizes) / len(sizes) / 1024:.2f} KB")


if __name__ == "__main__":
    main()
