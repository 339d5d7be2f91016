"""On a fresh clone, one worker compiles the suite and the others wait for it (a pytest plugin, tests/conftest.py).

Every xdist worker imports every test module (pytest rewrites its asserts and writes the result as bytecode) and the
libraries they import (schemathesis, hypothesis, Playwright, openpyxl … whose bytecode the test install leaves
unwritten). Where no bytecode is there yet, three workers started together each compile all of it: ~30 CPU-seconds
more than one of them doing it (docs/performance.md, "Thirteenth session"). So, when no test module has ever been
compiled here, the run's controller holds a lock until the first worker has collected; the other workers
wait on it before collecting and then find the bytecode written. Once compiled (any later run), nobody waits."""

import fcntl
import os
import tempfile
from pathlib import Path

import pytest

LOCK = "ZF_FIRST_COMPILE_LOCK"  # the lock file's path, handed to the workers in their environment
FIRST = "gw0"
TESTS = Path(__file__).resolve().parent
_HELD = pytest.StashKey[tuple[int, str]]()  # the controller's lock: its file and path


def compiled_before() -> bool:
    """Whether pytest has written rewritten bytecode of any test module here before (any run, whole or in part)."""
    return next(TESTS.glob("**/__pycache__/test_*-pytest-*.pyc"), None) is not None


def _worker(config: pytest.Config) -> str | None:
    return getattr(config, "workerinput", {}).get("workerid")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """The controller of a run with workers, on a checkout never compiled: take the lock before the workers start."""
    if _worker(config) is None and (config.getoption("numprocesses", None) or 0) and not compiled_before():
        handle, path = tempfile.mkstemp(prefix="zf-first-compile-")
        fcntl.flock(handle, fcntl.LOCK_EX)
        os.environ[LOCK] = path  # the workers' processes are started with this environment
        config.stash[_HELD] = (handle, path)


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    """A worker other than the first, in a run that took the lock: wait until the first has collected."""
    path, worker = os.environ.get(LOCK), _worker(session.config)
    if path and worker not in (None, FIRST):
        try:
            with open(path) as lock:
                fcntl.flock(lock, fcntl.LOCK_SH)  # granted once the controller lets go
        except FileNotFoundError:
            pass  # let go (and removed) already


def _release(config: pytest.Config) -> None:
    held = config.stash.get(_HELD, None)
    if held is not None:
        handle, path = held
        del config.stash[_HELD]
        os.close(handle)  # closing the file lets the lock go
        os.unlink(path)
        os.environ.pop(LOCK, None)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids) -> None:
    if node.gateway.id == FIRST:
        _release(node.config)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    _release(node.config)  # the first worker gone before it collected: nobody waits for it


def pytest_unconfigure(config: pytest.Config) -> None:
    _release(config)

