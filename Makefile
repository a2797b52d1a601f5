# Two commands: `make demo` and `make test`. Everything else here is their plumbing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test venv lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,encoder]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/complaintdesk demo
	$(BIN)/complaintdesk serve --with-worker

test: $(STAMP)
	$(BIN)/ruff check complaintdesk tests bench
	$(BIN)/mypy
	scripts/ensure-chromium
	scripts/ensure-dovecot
	scripts/ensure-gettext
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check complaintdesk tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache
