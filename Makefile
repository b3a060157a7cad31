# The only entry points: `make run`, `make test` (and `make lint`).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

LIGHTHOUSE := .lighthouse/node_modules/.bin/lighthouse

.PHONY: run test lint bench bench-quick bench-flood wrk browser nginx clean

# The virtual environment with Tribune installed (re-done when pyproject.toml changes).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

## run: serve Tribune on http://$(HOST):$(PORT) with SQLite in ./tribune.db and the demo story
run: $(VENV)/.installed
	$(BIN)/tribune serve --host $(HOST) --port $(PORT)

## test: every test, on SQLite and on PostgreSQL, with the browser tests in Chromium; fails
## below COVERAGE_MIN percent of src/tribune's lines and branches run in-process
COVERAGE_MIN ?= 90
test: $(VENV)/.test-installed browser nginx $(LIGHTHOUSE)
	$(BIN)/python -m pytest --cov --cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_MIN)

## browser: Debian's Chromium for the browser tests (installed when missing and we are root)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "WARNING: chromium is not installed; browser tests will be skipped"; \
	  fi; }

## nginx: Debian's nginx for the reverse-proxy tests, which run the README's nginx block
## (installed when missing and we are root; the tests start their own, never the service)
nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's nginx for the proxy tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	  else \
	    echo "WARNING: nginx is not installed; the proxy tests will be skipped"; \
	  fi; }

## Lighthouse for the page-quality tests (npm; skipped with a warning where npm is missing)
$(LIGHTHOUSE):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-audit --no-fund --prefix .lighthouse lighthouse@12.2.3; \
	else echo "WARNING: npm is missing; the Lighthouse tests will be skipped"; fi

## bench: Tribune vs Isso 0.14 and a bare-ASGI ceiling, then the 100,000-comment thread pages,
## then `make bench-flood` (never part of `make test`; loopback only; results in
## bench/results/). `make bench-quick`: Tribune vs Isso alone, shorter, < 3 min
bench: $(VENV)/.test-installed wrk
	$(BIN)/python bench/compare.py $(BENCH_ARGS)
	$(BIN)/python bench/thread_pages.py
	$(BIN)/python bench/flood.py $(FLOOD_ARGS)

bench-quick: $(VENV)/.test-installed wrk
	$(BIN)/python bench/compare.py --quick

## bench-flood: readers' latency, the limits and memory while a default `tribune serve` takes
## floods of posts (one client; 1,000 over IPv4 and IPv6), slow and 10 MB bodies: about 90 s,
## `make bench-flood FLOOD_ARGS=--quick` under a minute (loopback only; bench/results/)
bench-flood: $(VENV)/.test-installed wrk
	$(BIN)/python bench/flood.py $(FLOOD_ARGS)

wrk:
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

## lint: formatting, lint rules, types, and the layer contracts (pyproject: tool.importlinter)
lint: $(VENV)/.test-installed
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .lighthouse .pytest_cache .ruff_cache .mypy_cache
