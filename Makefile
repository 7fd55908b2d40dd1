# The two commands of the README, and the steps they are made of.
# Each target does its own set-up: Debian packages, the locked virtualenv.

PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8

.PHONY: gate test setup bootstrap lint typecheck unit bdd stack-up stack-down clean

## make gate: boot a fresh stack, run every gate, write reports/launch-readiness.*
gate: setup
	$(BIN)/harness gate

## make test: lint, type-check, unit, integration and Gherkin features
test: setup lint typecheck
	$(BIN)/python -m pytest tests features -q

setup: bootstrap $(BIN)/.synced

# Debian packages first: creating the virtualenvs may itself need python3-venv.
bootstrap:
	@scripts/bootstrap.sh

$(UV): | bootstrap
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q uv==$(UV_VERSION)

$(BIN)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

lint: setup
	$(BIN)/ruff format --check app harness tests features benchmarks load
	$(BIN)/ruff check app harness tests features benchmarks load

typecheck: setup
	$(BIN)/mypy

bdd: setup
	$(BIN)/harness bdd

stack-up: setup
	$(BIN)/harness stack up

stack-down: setup
	$(BIN)/harness stack down

clean:
	rm -rf $(VENV) $(TOOLS) reports .harness
