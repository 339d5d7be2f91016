"""The hash-pinned locks (requirements/*.lock) still match pyproject.toml's ranges: `make lock` after changing them."""

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from app.config import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)


def pins(lock: str) -> dict[str, Version]:
    text = (ROOT / "requirements" / lock).read_text()
    return {canonicalize_name(name): Version(version) for name, version in PIN.findall(text)}


def wanted(lock: str) -> list[Requirement]:
    if lock == "uv.lock":  # the installer the Makefile installs the rest with
        lines = (ROOT / "requirements" / "uv.in").read_text().splitlines()
        return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    reqs = list(PYPROJECT["project"]["dependencies"]) + list(PYPROJECT["build-system"]["requires"])
    if lock == "dev.lock":
        reqs += PYPROJECT["project"]["optional-dependencies"]["dev"]
    return [Requirement(r) for r in reqs]


@pytest.mark.parametrize("lock", ["main.lock", "dev.lock", "uv.lock"])
def test_lock_pins_every_declared_dependency_within_its_range(lock):
    pinned = pins(lock)
    stale = [f"{r} (locked: {pinned.get(canonicalize_name(r.name), 'missing')})" for r in wanted(lock)
             if canonicalize_name(r.name) not in pinned
             or not r.specifier.contains(pinned[canonicalize_name(r.name)], prereleases=True)]
    assert stale == [], f"requirements/{lock} is stale, run `make lock`: {stale}"


@pytest.mark.parametrize("lock", ["main.lock", "dev.lock", "uv.lock"])
def test_lock_is_hashed_and_names_no_local_index(lock):
    text = (ROOT / "requirements" / lock).read_text()
    entries = re.split(r"\n(?=[A-Za-z])", text)  # one pin with its hashes and comments each
    unhashed = [e.split()[0] for e in entries if PIN.match(e) and "--hash=sha256:" not in e]
    assert unhashed == []
    assert not re.search(r"^\s*--(index-url|extra-index-url|find-links|trusted-host)|file://", text, re.MULTILINE)


def test_the_runtime_lock_agrees_with_the_dev_lock():
    main, dev = pins("main.lock"), pins("dev.lock")
    assert {n: (v, dev.get(n)) for n, v in main.items() if dev.get(n) != v} == {}
