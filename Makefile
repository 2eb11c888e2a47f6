# civicloop — `make run` starts the platform, `make test` passes the tests. `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
export CIVICLOOP_DEBUG ?= 1
# PostgreSQL for the second test run; CI and these machines serve it on 127.0.0.1 with trust auth.
PG_TEST_URL ?= postgres://$(shell whoami)@127.0.0.1:5432/civicloop

.DEFAULT_GOAL := help
.PHONY: help run test test-sqlite test-postgres test-e2e lint typecheck bench vendor messages system-deps demo-data clean

help: ## List every target
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed-run: requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-run requirements-dev.txt
	$(PIP) install -q -r requirements-dev.txt
	touch $@

system-deps: ## Install Debian packages the tests and documents need (root), or say which
	@missing=""; \
	for p in chromium fonts-noto-cjk poppler-utils; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Please install:$$missing  (sudo apt-get install$$missing)"; fi; \
	fi

demo-data: $(VENV)/.installed-run ## Migrate, load the catalogue and the demo data (SQLite by default)
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_catalog
	$(PY) manage.py seed_demo
	@$(PY) manage.py shell -c "from civicloop.intelligence.models import RoutingModel; import sys; sys.exit(0 if RoutingModel.objects.exists() else 1)" \
	  || $(PY) manage.py train_routing_model
	$(PY) manage.py generate_history --if-empty --years 1 --events 30000 --seed 1 -v0

run: demo-data ## Start civicloop with demo data on http://127.0.0.1:8000 (SQLite)
	@echo "civicloop: http://$(HOST):$(PORT)/  (demo sign-in: choose a demo resident)"
	@$(PY) manage.py worker & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-dev system-deps lint typecheck test-sqlite test-postgres ## Lint, type-check, and run the whole suite on SQLite and PostgreSQL

lint: $(VENV)/.installed-dev ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed-dev ## mypy with django-stubs on civicloop/
	$(VENV)/bin/mypy civicloop config

e2e/node_modules/axe-core/axe.min.js: e2e/package.json
	cd e2e && npm install --no-audit --no-fund --silent
	touch $@

test-sqlite: $(VENV)/.installed-dev e2e/node_modules/axe-core/axe.min.js ## The suite on SQLite (includes the browser tests)
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(VENV)/bin/pytest -q

test-postgres: $(VENV)/.installed-dev ## The suite on PostgreSQL (DATABASE_URL=$(PG_TEST_URL))
	DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest -q -m "not e2e"

test-e2e: $(VENV)/.installed-dev system-deps e2e/node_modules/axe-core/axe.min.js ## Only the browser tests (Playwright + Debian chromium + axe-core)
	$(VENV)/bin/pytest -q -m e2e

bench: $(VENV)/.installed-dev ## Benchmarks; each writes bench/results/<name>.json
	$(PY) bench/routing.py
	$(PY) bench/submit.py
	$(PY) bench/inbox.py
	$(PY) bench/policy.py
	$(PY) bench/mining.py
	$(PY) bench/dashboard.py
	$(PY) bench/documents.py

messages: $(VENV)/.installed-dev ## Regenerate translations: makemessages (GNU gettext), then the Japanese table
	$(PY) manage.py makemessages -l ja --ignore=.venv --ignore=node_modules --ignore=var -v0
	$(PY) locale/translate_ja.py

vendor: ## Re-vendor front-end files from npm (design tokens, htmx, ECharts, axe-core for tests)
	cd e2e && npm install --no-audit --no-fund --silent
	cp e2e/node_modules/@digital-go-jp/design-tokens/dist/tokens.css static/vendor/digital-go-jp/tokens.css
	cp e2e/node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/htmx.min.js
	mkdir -p static/vendor/echarts && cp e2e/node_modules/echarts/dist/echarts.min.js static/vendor/echarts/echarts.min.js

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var
