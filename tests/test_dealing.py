"""How the collection is dealt to the workers (tests/conftest.py `dealt`): every test once, each worker's share the
size pytest-xdist's worksteal cuts, the slow tests spread over the shares, and the tests of a file that share one
costly fixture (DEALT_TOGETHER) in one share."""

from dataclasses import dataclass

import pytest

from tests.conftest import DEALT_TOGETHER, dealt


@dataclass(frozen=True)
class Item:
    nodeid: str


def shares(items: list, workers: int) -> list[list]:
    """The contiguous shares worksteal gives each worker (the remainder to the last)."""
    out, start, left = [], 0, len(items)
    for i in range(workers):
        size = left // (workers - i)
        out.append(items[start:start + size])
        start, left = start + size, left - size
    return out


@pytest.mark.parametrize("workers", [1, 2, 3, 4])
def test_every_test_once_the_slow_spread_and_a_shared_fixture_kept_together(workers):
    together = DEALT_TOGETHER[0]
    items = ([Item(f"tests/e2e/test_{i}.py::t") for i in range(7)] + [Item(f"{together}::t{i}") for i in range(6)]
             + [Item(f"tests/test_api.py::t{i}") for i in range(100)])
    out = shares(dealt(items, workers), workers)
    assert sorted(i.nodeid for share in out for i in share) == sorted(i.nodeid for i in items)
    assert [sum(i.nodeid.startswith(together) for i in share) for share in out].count(6) == 1
    browser = [sum(i.nodeid.startswith("tests/e2e/") for i in share) for share in out]
    assert max(browser) - min(browser) <= 1  # every worker starts on its own part of the browser tests
