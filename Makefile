# Palermo Hub. The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv comes from PyPI when it is not installed; uv never downloads a Python here.
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
export UV_PYTHON_DOWNLOADS := never
PY := $(UV) run --frozen --no-sync python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help
help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

.PHONY: uv
uv:
	@scripts/bootstrap-uv.sh

.PHONY: install
install: uv  ## install the runtime dependencies from uv.lock
	$(UV) sync --frozen --no-dev

.PHONY: install-dev
install-dev: uv  ## install runtime and development dependencies
	$(UV) sync --frozen

.PHONY: run
run: install  ## migrate, load reference and demo data, serve on http://127.0.0.1:8000
	mkdir -p var
	DEBUG=true $(PY) manage.py migrate --no-input
	DEBUG=true $(PY) manage.py createcachetable
	DEBUG=true $(PY) manage.py load_reference
	DEBUG=true $(PY) manage.py seed_demo
	@echo "Serving Palermo Hub at http://$(HOST):$(PORT)/ (development server, SQLite in var/)"
	DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

.PHONY: test
test: install-dev  ## run the fast test suite
	$(UV) run --frozen pytest -q

.PHONY: test-e2e
test-e2e: install-dev  ## browser journeys in Debian's Chromium (apt-get install chromium)
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(UV) run --frozen pytest -q -m e2e tests/e2e

.PHONY: lint
lint: install-dev  ## ruff check and format check
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

.PHONY: messages
messages: install-dev  ## extract and compile translations (needs Debian's gettext)
	DEBUG=true $(PY) manage.py makemessages --ignore=.venv --ignore=var --no-obsolete \
		-l ar -l zh_Hans -l fr -l ru -l es
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv

.PHONY: bench
bench: install-dev  ## benchmarks: print throughput ratios measured in one run
	$(PY) bench/state_page.py

.PHONY: bench-export
bench-export: install-dev  ## export benchmark: stream 100,000 synthetic submissions (slow)
	$(PY) bench/export.py

.PHONY: bench-reports
bench-reports: install-dev  ## reports benchmark: brief PDF (50 submissions), global report (5,000)
	$(PY) bench/reports.py

.PHONY: clean
clean:  ## remove the local database and caches
	rm -rf var .pytest_cache .ruff_cache
