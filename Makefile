# crossnet developer commands. `make plan` and `make test` set up what they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STACK  ?= dev

.PHONY: venv plan-venv system-deps kafka-jars plan test unit lint bench ci clean

PLAN_STAMP := $(VENV)/.installed-plan
PIP := $(BIN)/pip install --quiet --disable-pip-version-check

# What the plan needs: the package and every cloud's SDK (pyproject.toml), nothing else.
$(PLAN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[all]'
	touch $(PLAN_STAMP)

# Everything: the above plus the test, lint and bench tools (requirements-dev.txt).
$(STAMP): $(PLAN_STAMP) requirements.txt requirements-dev.txt
	$(PIP) -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)
plan-venv: $(PLAN_STAMP)

## Debian packages the integration tests run for real (OpenVPN, PostgreSQL, iproute2, haproxy, shellcheck, nftables, maven).
system-deps:
	bash scripts/install-system-deps.sh

## Apache Kafka (the version KafkaPrivateLinkCluster deploys) from Maven Central, for the integration tests.
kafka-jars:
	bash scripts/fetch-kafka.sh

## The main job: the offline plan of a stack (default dev) on the mock runtime, no cloud account needed.
plan: plan-venv
	$(BIN)/python -m plan $(STACK)

## Every test: unit tests on the mock runtime and integration tests on real local servers.
test: venv system-deps kafka-jars
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
