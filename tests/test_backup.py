"""Backups that restore (issue #19, item 3): a busy demo backed up through the command line (`python -m app backup`),
restored into an empty database (`restore`): the ledger checks out and every row of every table — balances,
receipts, disclosure versions, the audit log — is the same. A restore never goes into a database holding tables,
nor takes the other engine's backup. On SQLite and PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

import app.domains  # noqa: F401  (what each domain's holds must come to, for check_ledger)
import app.models  # noqa: F401  (every table)
from app.__main__ import main
from app.backup import BackupError, restore
from app.config import get_settings
from app.db import make_engine, session_for
from app.ledger.check import check_ledger
from tests.conftest import own_pg_database


def run(engine: Engine, monkeypatch, *argv: str) -> int:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        return main(list(argv))
    finally:
        get_settings.cache_clear()


@pytest.fixture
def empty_target(demo_engine, tmp_path) -> Iterator[Engine]:
    """A new, empty database of the same engine."""
    if demo_engine.dialect.name == "sqlite":
        target = make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
        yield target
        target.dispose()
        return
    with own_pg_database("_restore") as target:
        yield target


def every_row(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {table.name: [tuple(r) for r in conn.execute(table.select().order_by(*table.primary_key.columns))]
                for table in SQLModel.metadata.sorted_tables}


def busy(api) -> None:
    """Beyond the demo world: an award, three 扫码兑换 baskets — one held, one cancelled, one handed over."""
    households = api.get("/households", "official").json()["items"]
    award = api.post("/points/awards", "official", key="backup-award",
                     json={"household_id": households[1]["id"], "points": 20, "reason": "备份前的奖励"})
    assert award.status_code in (201, 202), award.text
    shop = api.get("/shops", "villager").json()["items"][0]["id"]
    goods = api.get(f"/shops/{shop}/goods", "villager").json()["items"][0]["id"]
    made = [api.post(f"/shops/{shop}/requests", "villager", json={"items": [{"goods_id": goods, "quantity": 1}]},
                     key=key).json() for key in ("backup-1", "backup-2", "backup-3")]
    assert api.post(f"/shops/{shop}/requests/{made[1]['id']}/cancel", "villager").status_code == 200
    sold = api.post(f"/shops/{shop}/requests/fulfil", "attendant", json={"code": made[2]["code"]}, key="backup-sale")
    assert sold.status_code == 201, sold.text


def test_a_busy_demo_comes_back_whole(api, demo_engine, empty_target, tmp_path, monkeypatch, capsys):
    busy(api)
    file = tmp_path / "zhenfeng.backup"
    assert run(demo_engine, monkeypatch, "backup", str(file)) == 0
    assert "backup written" in capsys.readouterr().out
    assert run(empty_target, monkeypatch, "restore", str(file)) == 0
    with session_for(empty_target, write=False) as session:
        assert check_ledger(session) == []
    before, after = every_row(demo_engine), every_row(empty_target)
    assert all(before[t] for t in ("ledger_entries", "redemptions", "shop_requests", "audit_log", "disclosures"))
    assert after == before
    # … and it is a database that works: the append-only ledger still refuses a changed entry.
    with pytest.raises(Exception, match="(?i)append|only|not allowed|refus"), empty_target.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET amount = amount + 1"))


def test_a_restore_never_goes_into_a_database_with_tables(demo_engine, tmp_path, monkeypatch, capsys):
    file = tmp_path / "zhenfeng.backup"
    assert run(demo_engine, monkeypatch, "backup", str(file)) == 0
    rows = every_row(demo_engine)
    assert run(demo_engine, monkeypatch, "restore", str(file)) == 1
    assert "目标数据库不是空的" in capsys.readouterr().err
    assert every_row(demo_engine) == rows


def test_a_file_that_is_no_backup_of_this_engine_is_refused(demo_engine, empty_target, tmp_path):
    other = tmp_path / "other.backup"
    other.write_bytes(b"PGDMP junk" if demo_engine.dialect.name == "sqlite" else b"SQLite format 3\x00junk")
    with pytest.raises(BackupError, match="不是"):
        restore(empty_target, other)
    with pytest.raises(BackupError, match="没有这个备份文件"):
        restore(empty_target, Path(tmp_path / "missing.backup"))
