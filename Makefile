# civicloop — `make run` starts the platform, `make test` passes the tests. `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
export CIVICLOOP_DEBUG ?= 1
# The demo identity provider (its issuer), resident sign-in and every link in e-mail live at the
# site URL, so it follows HOST and PORT unless it is set. On HOST=0.0.0.0 or behind a proxy, set
# it to the address browsers use.
export CIVICLOOP_SITE_URL ?= http://$(HOST):$(PORT)
# PostgreSQL for the second test run; CI and these machines serve it on 127.0.0.1 with trust auth.
PG_TEST_URL ?= postgres://$(shell whoami)@127.0.0.1:5432/civicloop
# pytest-xdist processes for the suites: one per core (auto); TEST_WORKERS=0 runs in this process.
# Each worker has its own test database and VAR_DIR (civicloop/testing/environment.py).
TEST_WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help run test test-sqlite test-postgres test-e2e lint typecheck bench vendor assets messages system-deps demo-data totp manage worker-celery prod-local clean

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
	for p in chromium fonts-noto-cjk fonts-noto-color-emoji poppler-utils docker-compose; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Please install:$$missing  (sudo apt-get install$$missing)"; fi; \
	fi

# What the demo sends by e-mail goes to files in <VAR_DIR>/mail/, not into the server's output.
run demo-data totp manage: export CIVICLOOP_EMAIL_BACKEND ?= django.core.mail.backends.filebased.EmailBackend

demo-data: $(VENV)/.installed-run ## Migrate, load the catalogue and the demo, train the routing model once (safe to repeat)
	@$(PY) manage.py prepare_demo

run: demo-data ## Start civicloop with demo data on http://127.0.0.1:8000 (SQLite); another port: PORT=8101 make run
	@$(PY) manage.py worker & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT; \
	  $(PY) manage.py serve_demo $(HOST):$(PORT)

totp: $(VENV)/.installed-run ## The code a demo staff member's authenticator app shows now: make totp who=clerk-seiso
	@test -n "$(who)" || { echo "usage: make totp who=clerk-seiso (a demo staff username)"; exit 2; }
	@$(PY) manage.py demo_totp $(who)

manage: $(VENV)/.installed-run ## Any manage.py command with the development settings: make manage cmd="verify_audit_chain"
	@test -n "$(cmd)" || { echo 'usage: make manage cmd="<command> [options]", e.g. cmd=help'; exit 2; }
	@$(PY) manage.py $(cmd)

# Celery instead of `manage.py worker` (docs/operations.md "Background work on Celery"): beat and one
# worker on this machine, against the broker in CIVICLOOP_CELERY_BROKER_URL (a local Redis by default).
worker-celery: export CIVICLOOP_CELERY_BROKER_URL ?= redis://127.0.0.1:6379/2
worker-celery: $(VENV)/.installed-run ## Background work on Celery, beat and a worker, after `make demo-data` (broker: CIVICLOOP_CELERY_BROKER_URL)
	@$(VENV)/bin/celery -A config beat --loglevel WARNING & beat=$$!; trap "kill $$beat 2>/dev/null" EXIT; \
	  $(VENV)/bin/celery -A config worker --loglevel WARNING

# The production topology on this machine without Docker (docs/operations.md, "make prod-local"):
# DEBUG off, PostgreSQL (DATABASE_URL, default civicloop_prod_local, created if missing), Redis,
# gunicorn with 2 workers on PORT, a Celery worker and beat; DEMO=1 adds the demo's people and data.
prod-local: $(VENV)/.installed-run ## Production topology here, no Docker: gunicorn ×2, Celery worker + beat, PostgreSQL, Redis (DEMO=1, PORT=…)
	@HOST=$(HOST) PORT=$(PORT) $(PY) -m civicloop.ops.prod_local $(if $(filter 1,$(DEMO)),--demo)

test: $(VENV)/.installed-dev system-deps lint typecheck test-sqlite test-postgres ## Lint, type-check, and run the whole suite on SQLite and PostgreSQL

lint: $(VENV)/.installed-dev ## ruff lint and format check; import-linter checks the layers (docs/architecture.md)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: $(VENV)/.installed-dev ## mypy --strict with django-stubs on civicloop/ (tests too) and config/; exceptions in pyproject.toml
	$(VENV)/bin/mypy civicloop config

e2e/node_modules/axe-core/axe.min.js: e2e/package.json
	cd e2e && npm install --no-audit --no-fund --silent
	touch $@

test-sqlite: $(VENV)/.installed-dev e2e/node_modules/axe-core/axe.min.js ## The suite on SQLite (includes the browser tests), one worker per core
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS)

test-postgres: $(VENV)/.installed-dev ## The suite on PostgreSQL (DATABASE_URL=$(PG_TEST_URL)), one worker per core
	DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest -q -n $(TEST_WORKERS) -m "not e2e"

test-e2e: $(VENV)/.installed-dev system-deps e2e/node_modules/axe-core/axe.min.js ## Only the browser tests (Playwright + Debian chromium + axe-core)
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS) -m e2e

bench: $(VENV)/.installed-dev ## Benchmarks; each writes bench/results/<name>.json
	$(PY) bench/routing.py
	$(PY) bench/forecast.py
	$(PY) bench/submit.py
	$(PY) bench/inbox.py
	$(PY) bench/policy.py
	$(PY) bench/health_check.py
	$(PY) bench/mining.py
	$(PY) bench/dashboard.py
	$(PY) bench/documents.py
	$(PY) bench/workflow.py
	$(PY) bench/workers.py
	$(PY) bench/load_mix.py
	$(PY) bench/faults.py

messages: $(VENV)/.installed-dev ## Regenerate translations: makemessages (GNU gettext), then the Japanese table
	$(PY) manage.py makemessages -l ja --ignore=.venv --ignore=node_modules --ignore=var -v0
	$(PY) locale/translate_ja.py

vendor: ## Re-vendor front-end files from npm (design tokens, htmx, axe-core for tests)
	cd e2e && npm install --no-audit --no-fund --silent
	cp e2e/node_modules/@digital-go-jp/design-tokens/dist/tokens.css static/vendor/digital-go-jp/tokens.css
	cp e2e/node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/htmx.min.js

assets: ## Rebuild the co-editing editor's script and stylesheet from assets/ (pinned npm packages, esbuild) into civicloop/authoring/static/
	cd assets && npm ci --no-audit --no-fund --silent
	cd assets && npx esbuild src/editor.js --bundle --minify --format=iife --target=es2020 --legal-comments=none \
		--outfile=../civicloop/authoring/static/authoring/editor.bundle.js
	cd assets && npx esbuild src/editor.css --bundle --legal-comments=none \
		'--banner:css=/* SPDX-License-Identifier: MPL-2.0. Built by `make assets` from assets/src/editor.css: edit that. */' \
		--outfile=../civicloop/authoring/static/authoring/editor.css

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var
