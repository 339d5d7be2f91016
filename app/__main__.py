"""Command line: `python -m app check-ledger | seed-demo | serve`."""

import argparse
import os
import sys

from app.config import get_settings
from app.db import make_engine, session_for


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check-ledger", help="verify conservation and every cached balance")
    commands.add_parser("seed-demo", help="create the demo world if the database is empty")
    commands.add_parser("serve", help="run the web server on HOST:PORT")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.command == "serve":
        return _serve()
    engine = make_engine(settings.database_url)
    if args.command == "check-ledger":
        from app.ledger.check import check_ledger

        with session_for(engine, write=False) as session:
            problems = check_ledger(session)
        for problem in problems:
            print(f"LEDGER ERROR: {problem}", file=sys.stderr)
        print("ledger OK" if not problems else f"{len(problems)} problem(s) found")
        return 1 if problems else 0
    from app.demo import seed_demo_world

    with session_for(engine, write=True) as session:
        created = seed_demo_world(session)
        session.commit()
    print("demo world created" if created else "database not empty: demo world left as it is")
    return 0


def _serve() -> int:
    import uvicorn

    options = {}
    if os.environ.get("SSL_CERTFILE") and os.environ.get("SSL_KEYFILE"):
        options = {"ssl_certfile": os.environ["SSL_CERTFILE"], "ssl_keyfile": os.environ["SSL_KEYFILE"]}
    uvicorn.run("app.main:create_app", factory=True, host=os.environ.get("HOST", "127.0.0.1"),
                port=int(os.environ.get("PORT", "8000")), proxy_headers=True, **options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
