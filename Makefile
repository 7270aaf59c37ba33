# Every target bootstraps what it needs: uv (into .tools/ when it is not on PATH), then the
# workspace environment (.venv) from uv.lock. Only python3 and make are assumed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(shell $(PYTHON) -c "import sys; print(sys.executable)")
export UV_LINK_MODE := copy
RUN := $(UV) run --frozen --no-sync

.PHONY: help bootstrap up test lint format token bench docs soak replay

help:
	@echo "make up      run the platform on the embedded PostgreSQL and broker"
	@echo "make test    run every test suite"
	@echo "make lint    ruff and mypy"
	@echo "make token   print a development token (SCOPES=\"...\" ORG=... REGION=...)"
	@echo "make bench   run the benchmarks into bench/results/"
	@echo "make soak    the fuzz and fault suites at full size (SOAK=1)"
	@echo "make replay  rebuild the talent projections from the topics (stack running)"

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet --disable-pip-version-check "uv>=0.5"

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --all-packages
	@touch $@

bootstrap: .venv/.synced

up: bootstrap
	$(RUN) python -m devstack up $(if $(SEED),--seed,)

token: bootstrap
	@$(RUN) python -m devstack token --scopes "$(SCOPES)" $(if $(ORG),--org $(ORG),) $(if $(REGION),--region $(REGION),) $(if $(SUB),--sub $(SUB),)

test: bootstrap
	$(RUN) pytest

lint: bootstrap
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy shared/src

format: bootstrap
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

bench: bootstrap
	$(RUN) python -m bench

# The long runs: many more fuzz examples and fault rounds than `make test` does, an hour each at most.
soak: bootstrap
	SOAK=1 $(RUN) pytest --timeout=3600 tests/fuzz tests/faults

# Rebuild talent's projections from the topics: the running consumers rewind their group and
# replay every event (docs/decisions/0012). DATABASE_URL defaults to `make up`'s talent database.
replay: bootstrap
	DATABASE_URL="$${DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:55432/talent}" \
		$(RUN) python -m talent replay
