"""The sign-in check's read on the event loop (app/db.py `loop_reader`, app/deps.py `current_actor`): on a SQLite file
it has a connection of its own that waits for nothing; elsewhere there is none and the read goes through the thread
pool as before."""

import shutil
import threading

from app.db import LOOP_READER_THREADS, loop_reader, make_engine, write_engine
from tests.conftest import DEMO, WITH_DEMO


def test_signed_in_while_the_writer_and_every_connection_are_taken(api, demo_engine):
    """A long write holds SQLite's writer and every connection of the app's pool is taken: a page that needs only the
    sign-in check still answers at once (the check has a connection of its own, and a read in WAL mode does not wait
    for the writer). Before, the check waited for a free connection of the pool, then answered 503."""
    if demo_engine.dialect.name != "sqlite":
        assert loop_reader(demo_engine) is None  # PostgreSQL: the read goes through the thread pool, as before
        return
    api.get("/me", "official")  # signed in before
    pool = demo_engine.pool
    held = [write_engine(demo_engine).connect()] + [demo_engine.connect()
                                                    for _ in range(pool.size() + pool._max_overflow - 1)]
    held[0].exec_driver_sql("SELECT 1")  # its transaction began with BEGIN IMMEDIATE: the writer, held
    try:
        answer = api.get("/households/import-template.xlsx", "official")
        assert answer.status_code == 200 and answer.content[:2] == b"PK"
        assert api.client.get("/api/v1/households/import-template.xlsx").status_code == 401
    finally:
        held[0].rollback()
        for conn in held:
            conn.close()


def test_none_in_memory_and_one_per_engine(tmp_path):
    assert loop_reader(make_engine("sqlite://")) is None  # another connection would be another database
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    assert loop_reader(engine) is loop_reader(engine)
    assert loop_reader(engine).url == engine.url
    engine.dispose()


def test_a_database_file_replaced_after_dispose_is_read_afresh(tmp_path, sqlite_templates):
    """A restore replaces the file and disposes the engine: the loop's connection goes with the engine's, so the
    sign-in check reads the new file, not the one that was replaced."""
    path = tmp_path / "live.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE users (id INTEGER PRIMARY KEY, phone TEXT)")
        conn.exec_driver_sql("INSERT INTO users (phone) VALUES ('old')")
    reader = loop_reader(engine)
    with reader.connect() as conn:
        assert conn.exec_driver_sql("SELECT phone FROM users").scalar() == "old"
    engine.dispose()
    path.unlink()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(sqlite_templates[WITH_DEMO], path)  # the restored database
    fresh = loop_reader(engine)
    assert fresh is not reader
    with fresh.connect() as conn:
        phones = {p for (p,) in conn.exec_driver_sql("SELECT phone FROM users")}
    assert DEMO["villager"] in phones and "old" not in phones
    engine.dispose()


def test_each_thread_reads_on_a_connection_of_its_own(tmp_path):
    """Event loops in several threads (the tests' clients) never share the reader's connection, and none is closed
    to make room for another's."""
    engine = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    reader = loop_reader(engine)
    seen = []

    def read() -> None:
        with reader.connect() as conn:
            seen.append(id(conn.connection.driver_connection))

    threads = [threading.Thread(target=read) for _ in range(LOOP_READER_THREADS - 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    read()  # this thread too
    assert len(set(seen)) == LOOP_READER_THREADS
    kept = reader.pool._all_conns  # none was closed to make room for another
    assert len(kept) == LOOP_READER_THREADS and all(record.dbapi_connection is not None for record in kept)
    engine.dispose()
