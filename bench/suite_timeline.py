"""Where the suite's time goes, worker by worker (docs/performance.md, "Test suite: where its time goes").

As a pytest plugin it writes each test's start and end, per xdist worker, under var/suite-timeline/:

    rm -rf var/suite-timeline
    PYTHONPATH=bench .venv/bin/python -m pytest -n 3 --dist worksteal -q -p suite_timeline

Run as a script afterwards, it prints for each worker when its first test started, when its last ended, how many
tests and browser tests it ran and how long it was busy, and the files that took longest in all:

    .venv/bin/python bench/suite_timeline.py
"""

import json
import os
import time
from collections import Counter
from pathlib import Path

FOLDER = Path(__file__).resolve().parents[1] / "var" / "suite-timeline"
_out = None


def _write(kind: str, nodeid: str) -> None:
    global _out
    if _out is None:
        FOLDER.mkdir(parents=True, exist_ok=True)
        _out = open(FOLDER / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.jsonl", "a")  # noqa: SIM115
    _out.write(json.dumps([kind, nodeid, time.time()]) + "\n")
    _out.flush()


def pytest_sessionstart(session) -> None:
    if "PYTEST_XDIST_WORKER" not in os.environ:
        FOLDER.mkdir(parents=True, exist_ok=True)
        (FOLDER / "started").write_text(str(time.time()))


def pytest_runtest_logstart(nodeid, location) -> None:
    _write("start", nodeid)


def pytest_runtest_logfinish(nodeid, location) -> None:
    _write("end", nodeid)


def report() -> None:
    began = float((FOLDER / "started").read_text())
    by_file: Counter[str] = Counter()
    for path in sorted(FOLDER.glob("gw*.jsonl")):
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        starts, busy, open_ = [r for r in rows if r[0] == "start"], 0.0, {}
        for kind, nodeid, at in rows:
            if kind == "start":
                open_[nodeid] = at
            elif nodeid in open_:
                took = at - open_.pop(nodeid)
                busy += took
                by_file[nodeid.split("::")[0]] += took
        browser = sum("tests/e2e/" in r[1] for r in starts)
        print(f"{path.stem}: first test at {starts[0][2] - began:5.0f} s, last end at {rows[-1][2] - began:5.0f} s,"
              f" {len(starts)} tests ({browser} in a browser), busy {busy:5.0f} s")
    print("\nlongest files (seconds of one worker):")
    for name, took in by_file.most_common(20):
        print(f"{took:7.1f}  {name}")


if __name__ == "__main__":
    report()
