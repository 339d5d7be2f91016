# 振风 — two commands: `make run` (server with the demo world; never in production) and `make test` (the whole suite).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
WORKERS ?= 1
export HOST PORT WORKERS

.PHONY: run test shots install install-dev lock lint check-ledger cert admin bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Installs come from the hash-pinned locks (requirements/*.lock, made by `make lock`), never from pyproject's open
# ranges; setuptools is locked too, so the project itself is installed editable without build isolation. pip installs
# only uv (requirements/uv.lock), and uv the rest: the dev lock in ~2 s where pip took ~15 s (docs/performance.md,
# "Twelfth session"). uv reads the package index alone, not pip's configuration.
UV_INSTALL = $(VENV)/bin/uv pip install --quiet --python $(PY)

$(VENV)/bin/uv: requirements/uv.lock | $(VENV)/bin/python
	$(PY) -m pip install --quiet --require-hashes -r requirements/uv.lock
	touch $@

# `make run`'s install compiles the bytecode (--compile-bytecode): where PYTHONDONTWRITEBYTECODE is set, the server
# would otherwise compile its imports at every start.
$(VENV)/.installed: requirements/main.lock pyproject.toml | $(VENV)/bin/uv
	$(UV_INSTALL) --compile-bytecode --require-hashes -r requirements/main.lock
	$(UV_INSTALL) --compile-bytecode --no-deps --no-build-isolation -e .
	touch $@

# The test install leaves the compiling to the imports (uv's default): `make test` writes the bytecode of what the
# suite imports as it runs, and nothing else (the dev lock's auditors and linters) is compiled for nothing.
$(VENV)/.installed-dev: requirements/dev.lock pyproject.toml | $(VENV)/bin/uv
	$(UV_INSTALL) --require-hashes -r requirements/dev.lock
	$(UV_INSTALL) --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(PY) -m alembic upgrade head
	$(PY) -m app seed-demo
	$(PY) -m app serve

# The suite runs in TEST_WORKERS processes (pytest-xdist; each has its own databases and browser). Much of it waits
# on PostgreSQL, Chromium and timers, so three workers keep two cores busy (docs/performance.md); TEST_WORKERS=0
# runs it in one process. `worksteal`: a worker done with its share takes tests off the end of another's (the slowest
# come first: tests/conftest.py SLOW_FIRST).
TEST_WORKERS ?= 3
# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE): each worker would otherwise
# compile app/ and rewrite the asserts of every test module afresh on every run (~40 % of collection's CPU).
test: install-dev
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The browser tests again, keeping a screenshot of every page they check (test-artifacts/screenshots/, PNG, and the
# printed pages as PDF): `make test` takes none, as nobody opens them there.
shots: install-dev
	env -u PYTHONDONTWRITEBYTECODE ZF_SHOTS=1 $(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal tests/e2e $(PYTEST_ARGS)

# Re-resolve the locks from pyproject.toml after changing a dependency range, then commit requirements/*.lock.
# Existing pins are kept where the ranges still allow them; `make lock LOCK_ARGS=--upgrade` moves everything to the
# newest releases (run `make test` before committing that). Resolved for Python 3.11 on Linux, against the package
# index alone: this machine's pip config (extra indexes, local wheel folders, constraints) is left out so that the
# locks hold only the index's own files and hashes.
PIP_COMPILE = env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null \
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras \
	--allow-unsafe --build-deps-for=editable --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

lock: | $(VENV)/bin/python
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "make lock: the locks are for Python 3.11; PYTHON=python3.11 make clean lock")'
	$(PY) -m pip install --quiet 'pip-tools>=7.4,<8'
	$(PIP_COMPILE) --output-file=requirements/main.lock pyproject.toml
	$(PIP_COMPILE) --extra=dev --output-file=requirements/dev.lock pyproject.toml
	$(PIP_COMPILE) --output-file=requirements/uv.lock requirements/uv.in

lint: install-dev
	$(PY) -m ruff check app tests bench alembic

check-ledger: install
	$(PY) -m app check-ledger

# A real county's org tree and its first administrator (never the demo world; the password is asked for without echo,
# or read from ZF_ADMIN_PASSWORD): make admin COUNTY=振风县 PHONE=13900000000 NAME=王某某 [TREE=org.txt] [AT=清河镇] [ANOTHER=1]
admin: install
	$(PY) -m alembic upgrade head
	$(PY) -m app create-admin --county "$(COUNTY)" --phone "$(PHONE)" --name "$(NAME)" \
		$(if $(TREE),--tree "$(TREE)") $(if $(AT),--at "$(AT)") $(if $(ANOTHER),--another)

# A self-signed certificate for phones on the village network: `make cert HOSTS=192.168.1.20`
cert: install
	$(PY) -m app make-cert $(HOSTS)

bench: install-dev
	$(PY) bench/redeem.py

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .hypothesis
