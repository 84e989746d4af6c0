# UBR developer and operator entry points. Every target sets itself up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/.dagster_home
DEMO_DIR ?= data/demo
DEMO_BUSINESSES ?= 5000
DEMO_SEED ?= 42
UI_PORT ?= 3000
# Demo-only pseudonym keys for config/sharing.yaml, set for `make demo` and `make ui` only (not
# for tests or any other target): they are public, so production sets its own secrets in the
# environment (docs/sharing.md). Values already set win over these.
demo ui serve: export UBR_SHARING_SECRET_RJSC ?= demo-only-not-secret-rjsc-0000000000000000
demo ui serve: export UBR_SHARING_SECRET_WCB ?= demo-only-not-secret-wcb-00000000000000000
demo ui serve: export UBR_SHARING_SECRET_PERMITS ?= demo-only-not-secret-permits-0000000000000
# Demo-only API keys for `make serve` (docs/api.md): public, like the keys above.
serve: export UBR_API_KEY_RJSC ?= demo-only-not-secret-api-key-rjsc-000000000
serve: export UBR_API_KEY_WCB ?= demo-only-not-secret-api-key-wcb-0000000000
serve: export UBR_API_KEY_REVENUE ?= demo-only-not-secret-api-key-revenue-000000
serve: export UBR_API_KEY_PERMITS ?= demo-only-not-secret-api-key-permits-000000
# A demo-only steward for the review pages (/review): sign in as "demo" with this key.
serve: export UBR_STEWARD_KEY_DEMO ?= demo-only-not-secret-steward
SERVE_PORT ?= 8000
DEMO_KEYS_NOTICE = case "$$UBR_SHARING_SECRET_RJSC $$UBR_SHARING_SECRET_WCB $$UBR_SHARING_SECRET_PERMITS" in \
	*demo-only-not-secret-*) echo "Using demo-only pseudonym keys (UBR_SHARING_SECRET_*): they are public; production must set its own secrets (docs/sharing.md)." ;; esac

.PHONY: demo test ui serve lint bench install clean browser screenshots

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "UBR needs Python 3.11, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $@

install: $(BIN)/.installed $(DAGSTER_HOME)/dagster.yaml

# Dagster's instance is owner-only, like every file UBR writes (docs/protections.md).
$(DAGSTER_HOME)/dagster.yaml: dagster_home_template/dagster.yaml
	@umask 077 && mkdir -p $(DAGSTER_HOME) && chmod 700 $(DAGSTER_HOME)
	umask 077 && cp dagster_home_template/dagster.yaml $@

## demo: generate the demo registers and run the whole Dagster job on the embedded SQLite store
demo: install
	@$(DEMO_KEYS_NOTICE)
	$(BIN)/ubr demo-data --businesses $(DEMO_BUSINESSES) --seed $(DEMO_SEED) --out $(DEMO_DIR)
	UBR_DATA_DIR=$(DEMO_DIR) $(BIN)/ubr run

## browser: Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium)
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { [ "$$(id -u)" = 0 ] && { apt-get install -y -q chromium >/dev/null \
	  || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; }; } \
	  || { echo "The browser tests need Chromium at $(CHROMIUM): run 'sudo apt-get install chromium' (Debian) or set CHROMIUM=/path/to/chromium."; exit 1; }

## test: lint, check the layers (import-linter contracts in pyproject.toml), run every test
test: install browser
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

## ui: the Dagster UI on 127.0.0.1 with the same instance as `make demo`
ui: install
	@$(DEMO_KEYS_NOTICE)
	umask 077 && UBR_DATA_DIR=$(DEMO_DIR) $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(UI_PORT)

## serve: the intake API (docs/api.md) over the registry of `make demo`, with demo-only keys
serve: install
	@$(DEMO_KEYS_NOTICE)
	@echo "Using demo-only API keys (UBR_API_KEY_*): they are public; production must set its own (docs/api.md)."
	@echo "Steward review pages: http://127.0.0.1:$(SERVE_PORT)/review, sign in as demo with the key demo-only-not-secret-steward (docs/steward-review.md)."
	$(BIN)/ubr serve --host 127.0.0.1 --port $(SERVE_PORT)

## screenshots: the pictures in docs/images (review pages, model report, Data Docs), taken by
## the browser tests in Chromium
screenshots: install browser
	UBR_SCREENSHOT_DIR=$(CURDIR)/docs/images $(BIN)/python -m pytest -p no:logging -q \
	  tests/test_review_pages.py tests/test_browser_pages.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## bench: install Splink (the yardstick) and run the benchmarks
bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .dagster_home .ubr data out exports
