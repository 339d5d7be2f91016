# 振风 — two commands: `make run` (server with the demo world) and `make test` (the whole suite).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: run test install install-dev lint check-ledger cert bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(PY) -m alembic upgrade head
	$(PY) -m app seed-demo
	$(PY) -m app serve

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(PY) -m ruff check app tests bench alembic

check-ledger: install
	$(PY) -m app check-ledger

# A self-signed certificate for phones on the village network: `make cert HOSTS=192.168.1.20`
cert: install
	$(PY) -m app make-cert $(HOSTS)

bench: install-dev
	$(PY) bench/redeem.py

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache
