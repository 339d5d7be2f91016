"""The limiters kept in PostgreSQL (app/ratelimit_db.py): two stores on one database stand for two server processes;
they count the same tries, and a burst counts no more than the limit."""

import threading

import pytest

from app.ratelimit_db import Limiters, Store, limiters_for, stored_key
from tests.conftest import EMPTY
from tests.ledger.test_races import run_all

pytestmark = pytest.mark.postgres


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pg(pg_database):
    engine = pg_database.fresh(EMPTY)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def two(pg, clock) -> tuple[Limiters, Limiters]:
    """The limiters of two processes on one database."""
    return Limiters(Store(pg), clock), Limiters(Store(pg), clock)


class TestWindow:
    def test_two_processes_count_the_same_tries(self, pg, clock):
        a, b = (x.window("t.w", limit=3, window_seconds=60) for x in two(pg, clock))
        assert [a.hit("k"), b.hit("k"), a.hit("k")] == [None, None, None]
        assert b.hit("k") == 61 and a.wait("k") == 61
        assert b.wait("other") is None
        clock.now += 30
        assert a.wait("k") == 31
        clock.now += 31  # the first three have left the window
        assert b.wait("k") is None and a.hit("k") is None

    def test_a_burst_counts_no_more_than_the_limit(self, pg, clock):
        limiters = two(pg, clock)
        windows = [x.window("t.burst", limit=5, window_seconds=60) for x in limiters]
        results = run_all(24, lambda i: windows[i % 2].hit("k"))
        assert sum(r is None for r in results) == 5

    def test_give_back_and_reset(self, pg, clock):
        a, b = (x.window("t.g", limit=2, window_seconds=60) for x in two(pg, clock))
        a.hit("k")
        a.hit("k")
        assert b.wait("k")
        b.give_back("k")
        assert a.wait("k") is None
        a.hit("k")
        b.reset("k")
        assert a.wait("k") is None

    def test_a_key_longer_than_a_column_is_kept_as_its_digest(self, pg, clock):
        window = Limiters(Store(pg), clock).window("t.long", limit=1, window_seconds=60)
        key = "1" * 5000
        assert window.hit(key) is None and window.hit(key) == 61
        assert stored_key(key) != stored_key(key + "2") and len(stored_key(key)) <= 136


class TestBackoff:
    def test_failures_in_a_row_are_shared_and_forgotten(self, pg, clock):
        a, b = (x.backoff("t.b", free=2, cap=8, forget=100) for x in two(pg, clock))
        a.fail("k")
        b.fail("k")
        assert a.wait("k") == 1  # two free, then 1, 2, 4 … seconds from the latest
        a.fail("k")
        assert b.wait("k") == 2
        clock.now += 2
        assert b.wait("k") is None
        clock.now += 100
        a.fail("k")  # the earlier ones were forgotten: this is the first again
        assert b.wait("k") is None
        b.clear("k")
        assert a.wait("k") is None

    def test_parallel_failures_are_each_counted(self, pg, clock):
        limiters = two(pg, clock)
        backoffs = [x.backoff("t.p", free=0, cap=10**6, forget=10**6) for x in limiters]
        run_all(16, lambda i: backoffs[i % 2].fail("k"))
        assert backoffs[0].wait("k") == 2 ** 16


class TestRecentAndLock:
    def test_recent_keys_are_seen_by_both(self, pg, clock):
        a, b = (x.recent("t.r", max_age=180) for x in two(pg, clock))
        a.add("42")
        assert "42" in b and "43" not in b
        clock.now += 180
        assert "42" not in a

    def test_the_lock_lets_one_process_at_a_time(self, pg, clock):
        locks = [x.lock("t.lock") for x in two(pg, clock)]
        inside, most = [0], [0]
        guard = threading.Lock()

        def work(i):
            with locks[i % 2]:
                with guard:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                threading.Event().wait(0.01)
                with guard:
                    inside[0] -= 1

        run_all(8, work)
        assert most[0] == 1


def test_sqlite_keeps_them_in_memory(sqlite_engine):
    assert limiters_for(sqlite_engine).store is None
