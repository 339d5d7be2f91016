"""What one HTTP redemption costs the server, in figures that do not move with the machine's load: N sequential
redemptions sent straight into the ASGI app (no socket, no client library), with the thread pool's hops run
inline and counted, the statements counted by a `before_cursor_execute` listener and the Python calls by cProfile.

    .venv/bin/python bench/redeem_calls.py [--n 300] [--backend sqlite|postgresql] [--top 25]

Prints statements, thread-pool hops and Python calls per redemption, the CPU time each took in a run of its own
without the profiler, and the top of the profile (by own time unless --sort says otherwise).
"""

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import sys
import uuid
from pathlib import Path

import anyio.to_thread
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.db import loop_reader  # noqa: E402
from bench.redeem import PASSWORD, SECRET, fresh_backend, fresh_codes, prepare  # noqa: E402


class Inline:
    """anyio's thread pool replaced by a call in place, counted."""

    def __init__(self) -> None:
        self.hops = 0

    async def run_sync(self, func, *args, **_kw):
        self.hops += 1
        return func(*args)


async def call(app, method: str, path: str, body: dict | None, headers: dict[str, str]) -> tuple[int, bytes]:
    """One request through the ASGI app; its status and body."""
    raw = json.dumps(body).encode() if body is not None else b""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in
                         {"host": "bench", "content-type": "application/json", "content-length": str(len(raw)),
                          **headers}.items()],
             "client": ("127.0.0.1", 1), "server": ("bench", 80)}
    sent = False
    status, chunks = 0, []

    async def receive():
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--statements", action="store_true", help="print the last redemption's statements")
    parser.add_argument("--sort", default="tottime", help="cProfile's order: tottime, cumulative …")
    args = parser.parse_args()
    with fresh_backend(args.backend) as (url, tmp):
        work = prepare(url, 1)
        os.environ.update({"DATABASE_URL": url, "SECRET_KEY": SECRET, "CODE_TRIES_PER_MINUTE": "1000000",
                           "LOG_FILE": str(tmp / "server.log")})
        from app.main import create_served_app

        app = create_served_app()
        inline = Inline()
        anyio.to_thread.run_sync = inline.run_sync
        statements, last = [0], []

        def counted(_conn, _cursor, statement, *_args) -> None:
            statements[0] += 1
            last.append(" ".join(statement.split())[:150])

        event.listen(app.state.engine, "before_cursor_execute", counted)
        if (reader := loop_reader(app.state.engine)) is not None:  # the sign-in check's own connection (SQLite)
            event.listen(reader, "before_cursor_execute", counted)
        _, _, phone = work["people"][0]
        path = f"/api/v1/shops/{work['shop_id']}/redemptions"
        goods = [{"goods_id": work["goods_id"], "quantity": 1}]

        async def run(n: int, codes: list[str], token: str, profile: cProfile.Profile | None) -> None:
            for code in codes[:n]:
                headers = {"authorization": f"Bearer {token}", "idempotency-key": uuid.uuid4().hex}
                last.clear()
                if profile:
                    profile.enable()
                status, body = await call(app, "POST", path, {"pay_code": code, "items": goods}, headers)
                if profile:
                    profile.disable()
                if status != 201:
                    raise SystemExit(f"redemption answered {status}: {body[:300]!r}")

        async def session() -> None:
            status, body = await call(app, "POST", "/api/v1/auth/login", {"phone": phone, "password": PASSWORD}, {})
            token = json.loads(body)["access_token"]
            await run(5, fresh_codes(work["engine"], work["people"][0][0], 5), token, None)  # warm
            codes = fresh_codes(work["engine"], work["people"][0][0], args.n)
            began = os.times()
            await run(args.n, codes, token, None)
            ended = os.times()
            user, system = ((ended.user - began.user) / args.n * 1000, (ended.system - began.system) / args.n * 1000)
            codes = fresh_codes(work["engine"], work["people"][0][0], args.n)
            statements[0], inline.hops = 0, 0
            profile = cProfile.Profile()
            await run(args.n, codes, token, profile)
            calls = pstats.Stats(profile).total_calls
            print(f"{args.backend}: {args.n} redemptions: {statements[0] / args.n:.1f} statements, "
                  f"{inline.hops / args.n:.1f} thread-pool hops, {calls / args.n:,.0f} Python calls per redemption; "
                  f"without the profiler {user:.2f} ms user + {system:.2f} ms system CPU each (one at a time, no "
                  "threads: moves with the machine's load)")
            if args.statements:
                print("\n".join(last))
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
            print(out.getvalue().split("\n", 6)[-1] if args.top else "")

        asyncio.run(session())
        app.state.engine.dispose()
        work["engine"].dispose()


if __name__ == "__main__":
    main()
