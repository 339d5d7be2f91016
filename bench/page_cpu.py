"""What a page (or any GET) costs the server, in CPU per request: the demo world on a fresh database, one user signed
in, each path asked N times straight through the ASGI app (no socket, no client library, the thread pool's hops run
inline: bench/redeem_calls.py's harness), after a warm-up.

    .venv/bin/python bench/page_cpu.py [--phone 13800000004] [--n 100] [--backend sqlite|postgresql] \
        [--profile] [PATH ...]

Prints each path's answer size and CPU per request; with --profile, the app's own functions (app/) in a cProfile of
the first path, by cumulative time. Default paths: 首页, 积分, 超市 and GET /api/v1/me (docs/performance.md,
"Fourteenth session").
"""

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

import anyio.to_thread

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import app.models  # noqa: E402,F401
from app.demo import DEMO_PASSWORD  # noqa: E402
from bench.redeem import SECRET, demo_world, fresh_backend  # noqa: E402
from bench.redeem_calls import Inline, call  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*", default=["/", "/points", "/shop", "/api/v1/me"])
    parser.add_argument("--phone", default="13800000004", help="a demo account (the villager 王建国 by default)")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with fresh_backend(args.backend) as (url, tmp):
        demo_world(url).dispose()
        os.environ.update({"DATABASE_URL": url, "SECRET_KEY": SECRET, "LOG_FILE": str(tmp / "server.log")})
        from app.main import create_served_app

        served = create_served_app()
        anyio.to_thread.run_sync = Inline().run_sync

        async def run() -> None:
            status, body = await call(served, "POST", "/api/v1/auth/login",
                                      {"phone": args.phone, "password": DEMO_PASSWORD}, {})
            if status != 200:
                raise SystemExit(f"login answered {status}: {body[:300]!r}")
            headers = {"authorization": f"Bearer {json.loads(body)['access_token']}", "accept": "text/html"}
            for path in args.paths:
                for _ in range(10):
                    status, body = await call(served, "GET", path, None, headers)
                if status != 200:
                    raise SystemExit(f"GET {path} answered {status}: {body[:300]!r}")
                began = time.process_time()
                for _ in range(args.n):
                    await call(served, "GET", path, None, headers)
                spent = (time.process_time() - began) / args.n * 1000
                print(f"{args.backend}: GET {path}: {len(body):,} bytes, {spent:.2f} ms of CPU a request")
            if args.profile:
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(args.n):
                    await call(served, "GET", args.paths[0], None, headers)
                profile.disable()
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(f"{ROOT}/app/", 30)
                print(out.getvalue())

        asyncio.run(run())
        served.state.engine.dispose()


if __name__ == "__main__":
    main()
