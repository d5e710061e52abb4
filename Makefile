# Two commands do all set-up on a fresh machine: `make run` and `make test`.
# Each creates .venv if missing and installs what it needs (re-installs when pyproject.toml changes).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SANDBOX_ARGS ?=

.PHONY: run test lint clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("leadbot needs Python 3.11 or newer, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make run` falls back to the sandbox, so it installs the sandbox extra; dev includes it too.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[sandbox]'
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

# With SLACK_BOT_TOKEN (environment or .env) the real bot; without it, the local sandbox.
run: $(VENV)/.installed
	@if $(BIN)/python -c 'import os, sys; from bot.settings import load_settings; sys.exit(0 if load_settings(os.environ).bot_token else 1)'; then \
		$(BIN)/leadbot check-config && exec $(BIN)/leadbot run; \
	else \
		echo "No SLACK_BOT_TOKEN in the environment or .env: starting the local sandbox. To connect a real workspace, see \"Create the Slack app\" in README.md."; \
		exec $(BIN)/leadbot sandbox $(SANDBOX_ARGS); \
	fi

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest -n auto --dist loadfile --cov=bot --cov-report=term

clean:
	rm -rf $(VENV) .pytest_cache .coverage .ruff_cache
