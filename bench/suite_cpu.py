"""Whose CPU the suite spends: each test's, the pytest process's own and its children's (Chromium and Playwright's
driver), and Chromium's per Playwright call (docs/performance.md, "Eighth session").

As a pytest plugin it writes, per xdist worker, under var/suite-cpu/: one line a test (wall seconds, the process's
CPU seconds, its descendants' CPU seconds) and, at the end, the descendants' CPU by Playwright method (every public
method of Page, Locator, BrowserContext and Browser is wrapped; axe's injection and run are told apart):

    rm -rf var/suite-cpu
    PYTHONPATH=bench .venv/bin/python -m pytest -n 3 --dist worksteal -q -p suite_cpu [tests/e2e]

Run as a script afterwards, it prints the sums by folder and the Playwright calls that cost the browser most:

    .venv/bin/python bench/suite_cpu.py

The descendants' CPU is read from /proc (Linux): each live descendant's own and what it reaped of its ended children
(a closed context's renderer is reaped by Chromium's zygote, which lives as long as the browser). A process this one
starts and waits for itself (a server process, a command) leaves the children's column when it ends, and the CPU it
took goes with it: that column is for the browser tests, whose Chromium lives as long as the worker.
"""

import functools
import os
import time
from collections import defaultdict
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parents[1] / "var" / "suite-cpu"
TICK = os.sysconf("SC_CLK_TCK")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_calls: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
_depth = [0]
_out = None


def descendants_cpu() -> float:
    """CPU seconds of every live process below this one, with what each has reaped of its own ended children: a
    context's renderer ends when the context closes, and Chromium's zygote (the browser's child) reaps it, so its
    CPU stays in the sum (without the reaped part, every closed context's page loads and axe runs dropped out)."""
    parents: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(fields[1])].append((int(name), sum(map(int, fields[11:15])) / TICK))
    total, todo = 0.0, [os.getpid()]
    while todo:
        for pid, cpu in parents.get(todo.pop(), []):
            total += cpu
            todo.append(pid)
    return total


def _measured(cls, name: str):
    original = getattr(cls, name)

    @functools.wraps(original)
    def call(*args, **kwargs):
        if _depth[0]:  # a call inside a measured call is part of it
            return original(*args, **kwargs)
        _depth[0] += 1
        before = descendants_cpu()
        try:
            return original(*args, **kwargs)
        finally:
            _depth[0] -= 1
            key = f"{cls.__name__}.{name}"
            script = str(args[1]) if name == "evaluate" and len(args) > 1 else ""
            key += " (axe injected)" if len(script) > 100_000 else " (axe run)" if "axe.run(" in script else ""
            _calls[key][0] += 1
            _calls[key][1] += descendants_cpu() - before
    return call


def pytest_configure(config) -> None:
    try:
        from playwright.sync_api import Browser, BrowserContext, Locator, Page
    except ImportError:
        return
    for cls in (Page, Locator, BrowserContext, Browser):
        for name, value in list(vars(cls).items()):
            if not name.startswith("_") and callable(value):
                setattr(cls, name, _measured(cls, name))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    global _out
    if _out is None:
        FOLDER.mkdir(parents=True, exist_ok=True)
        _out = open(FOLDER / f"{WORKER}.tests.tsv", "a")  # noqa: SIM115
    wall, own, children = time.perf_counter(), time.process_time(), descendants_cpu()
    yield
    _out.write(f"{item.nodeid}\t{time.perf_counter() - wall:.3f}\t{time.process_time() - own:.3f}\t"
               f"{descendants_cpu() - children:.3f}\n")
    _out.flush()



def pytest_unconfigure(config) -> None:
    if _calls:
        FOLDER.mkdir(parents=True, exist_ok=True)
        with open(FOLDER / f"{WORKER}.calls.tsv", "a") as out:
            for key, (count, cpu) in _calls.items():
                out.write(f"{key}\t{count}\t{cpu:.3f}\n")


def report() -> None:
    folders: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    for path in FOLDER.glob("*.tests.tsv"):
        for line in path.read_text().splitlines():
            nodeid, wall, own, children = line.split("\t")
            parts = nodeid.split("::")[0].split("/")
            row = folders["/".join(parts[:2]) if len(parts) > 2 else parts[-1]]
            row[0] += 1
            row[1] += float(wall)
            row[2] += float(own)
            row[3] += max(float(children), 0.0)
    print(f"{'tests in':<34}{'tests':>7}{'wall s':>9}{'own CPU s':>11}{'children s':>12}")
    for name, (count, wall, own, children) in sorted(folders.items(), key=lambda kv: -kv[1][1])[:25]:
        print(f"{name:<34}{count:>7}{wall:>9.1f}{own:>11.1f}{children:>12.1f}")
    calls: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for path in FOLDER.glob("*.calls.tsv"):
        for line in path.read_text().splitlines():
            key, count, cpu = line.split("\t")
            calls[key][0] += int(count)
            calls[key][1] += float(cpu)
    if calls:
        print(f"\n{'Playwright call':<40}{'calls':>7}{'browser CPU s':>15}")
        for key, (count, cpu) in sorted(calls.items(), key=lambda kv: -kv[1][1])[:15]:
            print(f"{key:<40}{count:>7}{cpu:>15.1f}")


if __name__ == "__main__":
    report()
