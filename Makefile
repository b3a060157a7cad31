# The only entry points: `make run`, `make test` (and `make lint`).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

LIGHTHOUSE := .lighthouse/node_modules/.bin/lighthouse

.PHONY: run test lint fuzz audit lock bench bench-quick bench-flood wrk browser nginx clean

# The virtual environment with Tribune installed (re-done when pyproject.toml changes).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(VENV)/.audit-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[audit]'
	touch $@

## run: serve Tribune on http://$(HOST):$(PORT) with SQLite in ./tribune.db and the demo story
run: $(VENV)/.installed
	$(BIN)/tribune serve --host $(HOST) --port $(PORT)

## test: every test, on SQLite and on PostgreSQL, with the browser tests in Chromium; fails
## below COVERAGE_MIN percent of src/tribune's lines and branches run in-process
COVERAGE_MIN ?= 90
test: $(VENV)/.test-installed browser nginx $(LIGHTHOUSE)
	$(BIN)/python -m pytest --durations=25 --cov --cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_MIN)

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
## then thread reads while stories publish, then search over 10,000 stories and 100,000
## comments, then `make bench-flood` (never part of `make test`; loopback only; results in
## bench/results/). `make bench-quick`: Tribune vs Isso alone, shorter, < 3 min
bench: $(VENV)/.test-installed wrk
	$(BIN)/python bench/compare.py $(BENCH_ARGS)
	$(BIN)/python bench/thread_pages.py
	$(BIN)/python bench/serving.py $(SERVING_ARGS)
	$(BIN)/python bench/publishing.py
	$(BIN)/python bench/search.py $(SEARCH_ARGS)
	$(BIN)/python bench/imports.py $(IMPORT_ARGS)
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

## fuzz: the fuzzers of tests/security (the API from its OpenAPI document, every page's query
## and every form) with fresh random examples, twenty times as many as in `make test`; minutes
fuzz: $(VENV)/.test-installed
	TRIBUNE_FUZZ=long $(BIN)/python -m pytest tests/security/test_api_fuzz.py tests/security/test_forms_fuzz.py

## audit: bandit's checks of src/ (pyproject.toml: tool.bandit), then pip-audit of the pins in
## requirements.lock against PyPI's advisories. Where PyPI's per-version data cannot be reached,
## pip-audit is skipped with a warning (and fails under CI=true or AUDIT_REQUIRED=1): first it
## must find the known advisory of a probe pin. Not part of `make test`
AUDIT_PROBE := jinja2==2.10
audit: $(VENV)/.audit-installed
	$(BIN)/bandit -c pyproject.toml -r src -q
	@probe=$$(mktemp); echo '$(AUDIT_PROBE)' > $$probe; \
	if $(BIN)/pip-audit --no-deps --disable-pip --progress-spinner off -r $$probe 2>&1 | grep -qE "PYSEC-|GHSA-|CVE-"; then \
	  rm -f $$probe; \
	  $(BIN)/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r requirements.lock; \
	else \
	  rm -f $$probe; \
	  echo "!!! pip-audit SKIPPED: no advisory data reachable (it found none for $(AUDIT_PROBE))"; \
	  if [ "$$CI" = true ] || [ -n "$$AUDIT_REQUIRED" ]; then exit 1; fi; \
	fi

## lock: pin requirements.lock to what installing pyproject.toml's dependencies brings today
## (theirs too, the newest allowed), in a throwaway venv; commit the result
lock:
	@venv=$$(mktemp -d); $(PYTHON) -m venv $$venv && \
	$(PYTHON) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"], sep="\n")' > $$venv/wanted.txt && \
	$$venv/bin/pip install --quiet --disable-pip-version-check -r $$venv/wanted.txt && \
	{ echo "# The runtime dependencies, pinned: make lock writes this file, make audit checks it."; \
	  $$venv/bin/pip freeze; } > requirements.lock; \
	status=$$?; rm -rf $$venv; exit $$status

## lint: formatting, lint rules, types, and the layer contracts (pyproject: tool.importlinter)
lint: $(VENV)/.test-installed
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .lighthouse .pytest_cache .ruff_cache .mypy_cache
