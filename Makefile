# crossnet developer commands. `make plan` and `make test` set up what they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STACK  ?= dev

.PHONY: venv system-deps plan test unit lint bench ci clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

## Debian packages the integration tests run for real (OpenVPN, PostgreSQL, iproute2, haproxy, shellcheck).
system-deps:
	bash scripts/install-system-deps.sh

## The main job: the offline plan of a stack (default dev) on the mock runtime, no cloud account needed.
plan: venv
	$(BIN)/python -m plan $(STACK)

## Every test: unit tests on the mock runtime and integration tests on real local servers.
test: venv system-deps
	$(BIN)/python -m pytest

unit: venv
	$(BIN)/python -m pytest -m "not integration"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pyright

## GitHub workflows (.github/workflows), with shellcheck on their run: scripts when it is installed.
.PHONY: actionlint
actionlint: venv
	$(BIN)/actionlint

bench: venv
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis out
