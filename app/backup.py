"""Backups that restore (issue #19, item 3): `python -m app backup FILE` and `python -m app restore FILE`.

SQLite: the online backup API (a consistent copy while the server keeps writing; the copy is an SQLite file).
PostgreSQL: `pg_dump --format=custom` (one consistent snapshot) and `pg_restore` in one transaction. A restore goes
only into an empty database (no tables at all): it never mixes a backup into books that already hold something."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, inspect

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done, said in a sentence for the operator."""


def backup(engine: Engine, path: Path) -> None:
    """Write a backup of the database behind `engine` to `path` (replaced if it exists)."""
    path = Path(path)
    if engine.dialect.name == "sqlite":
        tmp = path.with_name(path.name + ".partial")
        source = sqlite3.connect(_sqlite_file(engine))
        try:
            target = sqlite3.connect(tmp)
            with target:
                source.backup(target)
            target.close()
        finally:
            source.close()
        tmp.replace(path)  # a half-written backup never carries the backup's name
        return
    _pg_tool("pg_dump", engine, "--format=custom", "--no-owner", f"--file={path}")


def restore(engine: Engine, path: Path) -> None:
    """Load the backup at `path` into the empty database behind `engine`."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"没有这个备份文件：{path}")
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if inspect(engine).get_table_names():
        raise BackupError("目标数据库不是空的：恢复只能放进一个新建的空数据库（不会和已有的账混在一起）")
    if engine.dialect.name == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{path} 不是 SQLite 备份（PostgreSQL 的备份要恢复到 PostgreSQL）")
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(_sqlite_file(engine))
            with target:
                source.backup(target)
            target.close()
        finally:
            source.close()
        return
    if not head.startswith(PG_MAGIC):
        raise BackupError(f"{path} 不是 PostgreSQL 备份（pg_dump 自定义格式）")
    _pg_tool("pg_restore", engine, "--no-owner", "--exit-on-error", "--single-transaction", str(path))


def _sqlite_file(engine: Engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("内存中的 SQLite 数据库没有文件可备份")
    return database


def _pg_tool(tool: str, engine: Engine, *args: str) -> None:
    """Run pg_dump / pg_restore against the engine's database; the password goes through the environment."""
    program = shutil.which(tool)
    if program is None:
        raise BackupError(f"找不到 {tool}：请安装 PostgreSQL 客户端（Debian: apt-get install postgresql-client）")
    url = engine.url
    env = {**os.environ, "PGHOST": url.host or "", "PGPORT": str(url.port or 5432), "PGUSER": url.username or "",
           "PGDATABASE": url.database or ""}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    done = subprocess.run([program, *args, f"--dbname={url.database}"] if tool == "pg_restore" else
                          [program, *args, url.database or ""], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{tool} 失败：{done.stderr.strip()[:500]}")
