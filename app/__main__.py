"""Command line: `python -m app check-ledger | seed-demo | serve`."""

import argparse
import os
import sys

from app.config import Settings, get_settings
from app.db import make_engine, session_for


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check-ledger", help="verify conservation and every cached balance")
    commands.add_parser("seed-demo", help="create the demo world if the database is empty")
    commands.add_parser("serve", help="run the web server on HOST:PORT (HTTPS with SSL_CERTFILE/SSL_KEYFILE)")
    cert = commands.add_parser("make-cert", help="write a self-signed certificate into var/tls/")
    cert.add_argument("hosts", nargs="*", help="this machine's LAN address(es), e.g. 192.168.1.20")
    args = parser.parse_args(argv)
    if args.command == "make-cert":
        from app.config import VAR_DIR
        from app.tls import make_self_signed

        cert_path, key_path = make_self_signed(VAR_DIR / "tls", args.hosts)
        print(f"SSL_CERTFILE={cert_path} SSL_KEYFILE={key_path}")
        return 0
    settings = get_settings()
    if args.command == "serve":
        return _serve(settings)
    engine = make_engine(settings.database_url, limits=settings.db_limits())
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


def uvicorn_options(settings: Settings) -> dict:
    """X-Forwarded-For / -Proto are believed only from TRUSTED_PROXIES (none by default: not even a loopback
    client, which uvicorn would trust on its own)."""
    proxies = settings.trusted_proxy_list()
    return {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies}


def _serve(settings: Settings) -> int:
    import uvicorn

    options = uvicorn_options(settings)
    if os.environ.get("SSL_CERTFILE") and os.environ.get("SSL_KEYFILE"):
        options |= {"ssl_certfile": os.environ["SSL_CERTFILE"], "ssl_keyfile": os.environ["SSL_KEYFILE"]}
    uvicorn.run("app.main:create_app", factory=True, host=os.environ.get("HOST", "127.0.0.1"),
                port=int(os.environ.get("PORT", "8000")), **options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
