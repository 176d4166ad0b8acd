# crossdock: `make run` and `make test` do all set-up themselves (a .venv from pyproject.toml).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export CROSSDOCK_HOME ?= $(CURDIR)/data
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := False
export DO_NOT_TRACK := 1

.PHONY: screenshots setup browser run test lint lint-sql docs format clean lock bench bench-quick forecast forecast-eval

# The real SCMS delivery history, delivered into the run when the shared data sets are beside the repo.
SCMS_FILE ?= $(wildcard $(CURDIR)/../shared/data/scms_delivery_history_dev/SCMS_Delivery_History_Dataset.dev_pre2014.csv.gz)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/crossdock run $(if $(SCMS_FILE),--scms-file $(SCMS_FILE))

# Debian's Chromium for the dashboard test (tests/test_dashboard.py drives /usr/bin/chromium with
# playwright; no browser is ever downloaded). Skipped when installed; sudo when not root.
browser:
	@if [ -x /usr/bin/chromium ]; then :; else \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get install -y chromium || { $$SUDO apt-get update && $$SUDO apt-get install -y chromium; }; \
	fi

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/pytest

# Refresh the dashboard screenshots README shows (docs/img/) from the dashboard test's run.
screenshots: setup browser
	CROSSDOCK_SCREENSHOTS=$(CURDIR)/docs/img $(BIN)/pytest tests/test_dashboard.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# sqlfluff over the dbt models (dbt_project/.sqlfluff); tests/test_dbt_lint.py asserts zero findings.
lint-sql: setup
	$(BIN)/sqlfluff lint dbt_project

# dbt docs of the last build (after `make run` or `crossdock build`) as one self-contained page:
# $(CROSSDOCK_HOME)/docs/dbt/index.html
docs: setup
	$(BIN)/crossdock docs

# Refresh the demand forecasts of the last build (`make run` already runs the forecast DAG), then
# build, gate and publish the forecast marts. FORECAST_ARGS="--cutoff 2025-02-16 --horizon 14".
forecast: setup
	$(BIN)/crossdock forecast $(FORECAST_ARGS)

# The accuracy and timing figures of docs/forecasting.md (simulated demand, real SCMS history).
forecast-eval: setup
	$(BIN)/python -m bench.forecast_eval $(FORECAST_EVAL_ARGS)

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-resolve from pyproject.toml and record the full pin set.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -e ".[dev]"
	(echo "# Full pin set of a working .venv (pip freeze), used as constraints by make."; \
	 echo "# Regenerate: make lock"; \
	 .venv-lock/bin/pip freeze --exclude-editable | grep -v '^-e' | sort -f) > constraints.txt
	rm -rf .venv-lock

# Benchmarks (bench/run.py, results in docs/benchmarks.md): `make bench` at 1M orders (reuses a
# prepared ../scale1m home when present, else prepares one first), `make bench-quick` in minutes.
# More: make bench BENCH_ARGS="--size 10m --e2e"
bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-quick: setup
	$(BIN)/python -m bench --quick $(BENCH_ARGS)

clean:
	rm -rf data dbt_project/target dbt_project/logs
