"""Command line: `python -m app check-ledger | expire-shop-requests | confirm-service-orders | seed-demo |
create-admin | serve | make-cert | backup FILE | restore FILE | purge [--keep-days N] | post-ledger-roots`."""

import argparse
import getpass
import os
import sys
import tempfile
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.config import Settings, UnsafeConfiguration, get_settings
from app.db import make_engine, session_for
from app.errors import DomainError, ValidationFailed

PASSWORD_ENV = "ZF_ADMIN_PASSWORD"
ONE_WORKER_ON_SQLITE = """WORKERS={workers}: several server processes need PostgreSQL (DATABASE_URL=postgresql://…).
SQLite is served by one process: its writer queue and the rate limits live in that process. Run with WORKERS=1."""
NO_ADMIN_HINT = f"""No administrator yet: nobody can sign in to run this county. Create the first one (the password
is asked for without echo, or read from {PASSWORD_ENV}):
    make admin COUNTY=振风县 PHONE=13900000000 NAME=王某某 TREE=org.txt
or  .venv/bin/python -m app create-admin --county 振风县 --phone 13900000000 --name 王某某 --tree org.txt
(org.txt: one township a line with its villages, e.g. 清河镇：示范村、邻村; README, "Deploying on PostgreSQL")"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check-ledger", help="verify conservation, every cached balance, each village's hash chain "
                                             "and posted roots")
    commands.add_parser("post-ledger-roots", help="close each village's past months and post their ledger roots "
                                                  "(财务 disclosures; nightly from cron)")
    commands.add_parser("expire-shop-requests", help="close 扫码兑换 requests past their time, points back")
    commands.add_parser("seed-demo", help="create the demo world if the database is empty (never in production)")
    admin = commands.add_parser("create-admin", help="a real county's org tree and its first administrator")
    admin.add_argument("--county", required=True, help="the county's name, e.g. 振风县")
    admin.add_argument("--phone", required=True, help="the administrator's mobile number (they sign in with it)")
    admin.add_argument("--name", required=True, help="the administrator's name")
    admin.add_argument("--tree", type=Path, help="townships and villages, one township a line: 清河镇：示范村、邻村")
    admin.add_argument("--at", default="", help="a township (清河镇: town admin) or village (清河镇/示范村: "
                                                "official) instead of the county (county admin)")
    admin.add_argument("--another", action="store_true", help="add one more where there is an administrator")
    commands.add_parser("confirm-service-orders", help="confirm completed service orders the villager did not rate "
                                                      "within the village's time (credits the volunteers once)")
    commands.add_parser("serve", help="run the web server on HOST:PORT (HTTPS with SSL_CERTFILE/SSL_KEYFILE), in "
                                      "WORKERS processes (PostgreSQL only for more than one)")
    cert = commands.add_parser("make-cert", help="write a self-signed certificate into var/tls/")
    cert.add_argument("hosts", nargs="*", help="this machine's LAN address(es), e.g. 192.168.1.20")
    for name, what in (("backup", "write a backup of the database to FILE (SQLite: a copy; PostgreSQL: pg_dump -Fc)"),
                       ("restore", "load the backup FILE into an empty database")):
        commands.add_parser(name, help=what).add_argument("file", type=Path, metavar="FILE")
    purge = commands.add_parser("purge", help="remove idempotency keys, dead pay codes and expired sign-outs past "
                                              "their use, in batches (never the ledger nor the audit log)")
    purge.add_argument("--keep-days", type=int, default=30, help="idempotency keys younger than this stay (>= 1)")
    args = parser.parse_args(argv)
    if args.command == "purge" and args.keep_days < 1:
        parser.error("--keep-days must be at least 1")
    if args.command == "make-cert":
        from app.config import VAR_DIR
        from app.tls import make_self_signed

        cert_path, key_path = make_self_signed(VAR_DIR / "tls", args.hosts)
        print(f"SSL_CERTFILE={cert_path} SSL_KEYFILE={key_path}")
        return 0
    try:
        settings = get_settings()
    except ValidationError as error:
        print(settings_problems(error), file=sys.stderr)
        return 2
    if args.command == "serve":
        try:
            return _serve(settings)
        except UnsafeConfiguration as error:  # e.g. production without SECRET_KEY: said in one line, not a traceback
            print(f"The configuration cannot be used: {error}", file=sys.stderr)
            return 2
    # Every command below runs domain code in a process of its own: what the domains register (village starters,
    # the ledger's words and holds, the disclosure that posts a month's root) must be there first — `serve` gets it
    # from app.main. Written once here, not per command (create-admin once made villages with nothing in them).
    import app.domains  # noqa: F401

    if args.command == "seed-demo" and settings.is_production:
        print("APP_ENV=production: the demo world is never created.", file=sys.stderr)
        return 0
    if args.command == "create-admin":
        return _create_admin(args, settings)
    engine = make_engine(settings.database_url, limits=settings.db_limits())
    try:
        if args.command == "confirm-service-orders":
            return _confirm_service_orders(engine)
        if args.command == "expire-shop-requests":
            return _expire_shop_requests(engine)
        if args.command == "post-ledger-roots":
            return _post_ledger_roots(engine)
        if args.command == "purge":
            from app.purge import purge

            print(purge(engine, keep_days=args.keep_days))
            return 0
        if args.command in ("backup", "restore"):
            return _backup_or_restore(engine, args.command, args.file)
        return _check_ledger(engine) if args.command == "check-ledger" else _seed_demo(engine)
    finally:
        engine.dispose()


def _check_ledger(engine: Engine) -> int:
    from app.ledger.check import check_ledger

    with session_for(engine, write=False) as session:
        problems = check_ledger(session)
    for problem in problems:
        print(f"LEDGER ERROR: {problem}", file=sys.stderr)
    print("ledger OK" if not problems else f"{len(problems)} problem(s) found")
    return 1 if problems else 0


def _post_ledger_roots(engine: Engine) -> int:
    """Post the root of every book's month that has ended (each village's as a 财务 disclosure), once."""
    from app.ledger.chain import post_due_roots

    with session_for(engine, write=True) as session:
        posted = post_due_roots(session)
        session.commit()
    for root in posted:
        count = root.last_seq - root.first_seq + 1
        print(f"posted book {root.book_id} {root.month}: {count} entries, root {root.root}")
    print(f"{len(posted)} month root(s) posted")
    return 0


def _expire_shop_requests(engine: Engine) -> int:
    """Give back the points of every 扫码兑换 request past its time (the scheduled sweep: reads show them expired at
    once, and the household's next write or balance read gives their points back)."""
    from app.shop.requests.service import expire_due

    total = 0
    while True:
        with session_for(engine, write=True) as session:
            count = expire_due(session, limit=200)
            session.commit()
        total += count
        if count < 200:
            break
    print(f"{total} shop request(s) expired, their points given back")
    return 0


def _backup_or_restore(engine: Engine, command: str, path: Path) -> int:
    from app.backup import BackupError, backup, restore

    try:
        (backup if command == "backup" else restore)(engine, path)
    except BackupError as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return 1
    print(f"backup written to {path}" if command == "backup" else f"restored from {path}")
    return 0


def _seed_demo(engine: Engine) -> int:
    from app.demo import seed_demo_world

    with session_for(engine, write=True) as session:
        created = seed_demo_world(session)
        session.commit()
    print("demo world created" if created else "database not empty: demo world left as it is")
    return 0


def _confirm_service_orders(engine: Engine) -> int:
    from app.volunteer.service import confirm_due

    with session_for(engine, write=True) as session:
        done = confirm_due(session)
        session.commit()
    print(f"{len(done)} service order(s) confirmed" + (f": {', '.join(map(str, done))}" if done else ""))
    return 0


def _create_admin(args: argparse.Namespace, settings: Settings) -> int:
    """The county (with the townships and villages of --tree) and its first administrator."""
    from app.org.service import clean_phone
    from app.org.setup import appoint_admin, check_admin_password, ensure_county, find_unit, parse_tree
    from app.security import hash_password

    try:
        tree = parse_tree(args.tree.read_text(encoding="utf-8")) if args.tree else {}
        phone = clean_phone(args.phone) or ""
        password_hash = hash_password(_admin_password(phone, check_admin_password))  # before the database
    except (DomainError, OSError, UnicodeDecodeError) as exc:
        print(f"create-admin: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
    engine = make_engine(settings.database_url, limits=settings.db_limits())
    try:
        with session_for(engine, write=True) as session:
            county = ensure_county(session, name=args.county, tree=tree)
            unit = find_unit(session, county, args.at)
            result = appoint_admin(session, unit=unit, phone=phone, name=args.name, password_hash=password_hash,
                                   another=args.another)
            session.commit()
    except DomainError as exc:
        print(f"create-admin: {exc.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    where = f"{args.county}/{args.at}".rstrip("/")
    print(f"{where}: {'created' if result.created else 'already there (password unchanged)'} "
          f"{result.user.name} {result.user.phone}; sign in at /login with this phone")
    return 0


def _admin_password(phone: str, check) -> str:
    """From ZF_ADMIN_PASSWORD, or typed twice on the terminal without echo; checked by `check`."""
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if not sys.stdin.isatty():
            raise ValidationFailed(f"请在终端里运行（密码不会显示），或用环境变量 {PASSWORD_ENV} 给出密码")
        password = getpass.getpass("管理员密码（输入时不显示）：")
        check(password, phone=phone)
        if getpass.getpass("再输入一遍：") != password:
            raise ValidationFailed("两次输入的密码不一致")
    return check(password, phone=phone)


def admin_hint(engine: Engine) -> str | None:
    """How to create the first administrator, while the database has none (None on a database not migrated yet)."""
    from app.org.setup import has_admin

    try:
        with session_for(engine, write=False) as session:
            return None if has_admin(session) else NO_ADMIN_HINT
    except SQLAlchemyError:
        return None


def uvicorn_options(settings: Settings) -> dict:
    """X-Forwarded-For / -Proto are believed only from TRUSTED_PROXIES (none by default: not even a loopback
    client, which uvicorn would trust on its own)."""
    proxies = settings.trusted_proxy_list()
    return {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies}


def settings_problems(error: ValidationError) -> str:
    """A setting the environment got wrong, said as the variable to fix (WORKERS=0 → "WORKERS: …"), not a traceback."""
    lines = [f"{'_'.join(str(part) for part in problem['loc']).upper() or 'SETTINGS'}: {problem['msg']}"
             f" (got {problem['input']!r})" for problem in error.errors()]
    return "The configuration cannot be used:\n  " + "\n  ".join(lines)


def _port() -> int | None:
    """PORT from the environment (8000 by default), or None when it is not a port number."""
    text = os.environ.get("PORT", "8000").strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 65536 else None


def _serve(settings: Settings) -> int:
    import uvicorn

    port = _port()
    if port is None:
        print(f"PORT={os.environ.get('PORT')!r}: a port number from 1 to 65535 is needed.", file=sys.stderr)
        return 2
    if settings.workers > 1 and settings.on_sqlite:
        print(ONE_WORKER_ON_SQLITE.format(workers=settings.workers), file=sys.stderr)
        return 2
    settings.resolved_secret()  # outside production, var/secret_key is written once here, not by each worker at once
    if settings.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each worker keeps its figures in a shared folder, added up by /metrics whichever answers (app/metrics.py);
        # without one, /metrics would show the answering worker's share alone. A fresh folder for this start.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="zhenfeng-metrics-")
    engine = make_engine(settings.database_url, limits=settings.db_limits())
    hint = admin_hint(engine)
    engine.dispose()
    if hint:
        print(hint, file=sys.stderr)
    options = uvicorn_options(settings)
    if os.environ.get("SSL_CERTFILE") and os.environ.get("SSL_KEYFILE"):
        options |= {"ssl_certfile": os.environ["SSL_CERTFILE"], "ssl_keyfile": os.environ["SSL_KEYFILE"]}
    uvicorn.run("app.main:create_served_app", factory=True, host=os.environ.get("HOST", "127.0.0.1"),
                port=port, workers=settings.workers, **options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
