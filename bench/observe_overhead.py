"""What seeing it run costs per request (issue #19 item 5): the same app with and without app/observe.py's middleware
(request id, the Prometheus figures, one JSON log line to a file), in one process, on a route that does nothing
(/favicon.ico, a redirect) and on one that reads the database (/api/v1/health).

    .venv/bin/python bench/observe_overhead.py [--requests 3000]

Prints µs per request for each, and the difference: the app called straight as ASGI in one event loop, so the
figures are the app's own work without a server or the network; rounds alternate so that a busy machine weighs on
both alike, and the best round of each counts.
"""

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import SQLModel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import app.models  # noqa: E402,F401
from app.config import Settings  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.main import create_app  # noqa: E402
from app.observe import Observe  # noqa: E402


def application(settings: Settings, engine, *, observed: bool):
    made = create_app(settings, engine)
    if not observed:
        made.user_middleware = [m for m in made.user_middleware if m.cls is not Observe]
    return made


async def per_request(app, path: str, n: int) -> float:
    """µs per GET of `path`, sent one after another."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"bench")], "client": ("127.0.0.1", 50000), "server": ("bench", 80)}

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] in (200, 301), message

    began = time.perf_counter()
    for _ in range(n):
        await app(dict(scope), receive, send)
    return (time.perf_counter() - began) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    SQLModel.metadata.create_all(engine)
    settings = Settings(database_url=str(engine.url), secret_key="bench-" + "o" * 40, log_file=str(tmp / "app.log"))
    apps = {observed: application(settings, engine, observed=observed) for observed in (False, True)}
    print(f"µs per request, best of {args.rounds} rounds of {args.requests} (ASGI, one process)")
    print(f"{'path':<18}{'without':>10}{'with':>10}{'added':>10}")
    for path in ("/favicon.ico", "/api/v1/health"):
        best = {False: float("inf"), True: float("inf")}
        for observed in (False, True):
            asyncio.run(per_request(apps[observed], path, 200))  # warm up
        for _ in range(args.rounds):
            for observed in (False, True):
                best[observed] = min(best[observed], asyncio.run(per_request(apps[observed], path, args.requests)))
        print(f"{path:<18}{best[False]:>10.0f}{best[True]:>10.0f}{best[True] - best[False]:>10.0f}")
    lines = (tmp / "app.log").read_text().count("\n")
    print(f"log lines written: {lines}")


if __name__ == "__main__":
    main()
