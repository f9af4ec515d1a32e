# The two commands a newcomer needs are `make run` and `make test`; see README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.8
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# Local development runs with DEBUG on and tasks eager unless the environment says otherwise.
export DJANGO_DEBUG ?= 1

.PHONY: help setup run test lint format worker beat bench examples screenshots messages clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

setup: .venv/.synced ## create .venv with the locked dependencies

# --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as on our machines) nothing else
# ever writes the dependencies' .pyc files, and every Python process (each test worker, each
# Celery or manage.py process a test starts) would compile Django, DRF & co. from source.
.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

# Without DATABASE_URL each step starts the embedded PostgreSQL in .data/postgres (Unix
# socket only) on its first query, and the last process using it stops it on exit.
run: setup ## migrate, load regions and demo data, and serve the console at http://127.0.0.1:8000/ and the API under /api/v1/
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_regions
	$(PY) manage.py seed_demo --url http://$(HOST):$(PORT)/
	$(PY) manage.py runserver $(HOST):$(PORT)

# The suite is spread over one pytest-xdist worker per CPU, each with its own test database;
# PYTEST_WORKERS=0 runs it in a single process (as a plain `pytest` does). The tests run with
# PYTHONDONTWRITEBYTECODE cleared so the project's modules and pytest's rewritten test
# modules are cached in __pycache__ (ignored by git and Docker) instead of being compiled
# again by every process of every run: a few seconds per process.
PYTEST_WORKERS ?= auto

test: setup ## run the test suite (an embedded PostgreSQL of its own and eager tasks unless DATABASE_URL/CELERY_BROKER_URL say otherwise)
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: setup ## ruff lint and format check, migrations in step with models
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: setup ## apply ruff's fixes and formatting
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

worker: setup ## a Celery worker (needs CELERY_BROKER_URL)
	.venv/bin/celery -A jamsostek worker --loglevel=INFO --concurrency=2

beat: setup ## Celery beat, running the schedule in jamsostek/settings/base.py
	.venv/bin/celery -A jamsostek beat --loglevel=INFO --schedule=/tmp/jamsostek-celerybeat-schedule

# Each figure of scale_bench.py beside the database doing the same work alone; regency size
# unless BENCH_PROVINCE=1 (see the script for BENCH_MONTHS and BENCH_WORKERS).
bench: setup ## print performance figures and their ratios to raw SQL (see tests/bench/)
	$(PY) tests/bench/scale_bench.py
	$(PY) tests/bench/run.py

# The schema's examples: the API tests run in one process and the richest answer (and JSON
# request) seen for each operation and status is written to jamsostek/core/openapi_examples.json,
# which the schema serves. Rerun after an answer's shape changes (tests/api/test_examples.py
# says when).
examples: setup ## record the schema's examples from the API tests (jamsostek/core/openapi_examples.json)
	RECORD_EXAMPLES=jamsostek/core/openapi_examples.json PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -p no:cacheprovider -n 0 -q -m "not browser and not worker" tests/api tests/members tests/contributions tests/reports tests/villages tests/core

# Against a running `make run` (same HOST and PORT): PNGs of the pages listed at the top of
# tests/browser/screenshots.py, logged in as demo users. Needs Debian's chromium and
# chromium-driver (apt-get install chromium chromium-driver).
screenshots: setup ## save PNGs of the running site's pages into docs/screenshots/ (needs `make run`)
	$(PY) -m tests.browser.screenshots --url http://$(HOST):$(PORT) $(SCREENSHOTS_ARGS)

messages: setup ## collect new messages into locale/id/LC_MESSAGES/django.po and compile it (needs GNU gettext)
	$(PY) manage.py makemessages --locale id --no-location --ignore '.venv/*' --ignore '.tools/*' --ignore 'tests/*'
	$(PY) manage.py compilemessages --locale id --ignore '.venv/*' --ignore '.tools/*'

# The embedded server of `make run` is stopped first if it is running (a process still
# attached to it would otherwise keep it running on deleted files).
clean: ## remove the virtualenv, the embedded database's data (.data/) and caches
	if [ -x $(PY) ] && [ -f .data/postgres/postmaster.pid ]; then \
		$(PY) -c 'from jamsostek.core import localdb; localdb.stop(".data/postgres")'; fi
	rm -rf .venv .tools .data staticfiles .pytest_cache .ruff_cache
