# The shop: `make run` to run it with demo data, `make test` to run the suite.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
DEV_SETTINGS := config.settings.dev
TEST_SETTINGS := config.settings.test

.PHONY: help setup venv browser services roles stop-services migrate run test test-fast bench backup restore lint format check clean destroy

# Every target has a `## what it does` comment on its line: `make help` prints them.
help: ## list the targets, one line each
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z][a-z-]*:.*## / {printf "make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

venv: $(VENV)/.installed ## create .venv and install requirements/dev.txt (again when a pin changes)

$(VENV)/.installed: requirements/base.txt requirements/dev.txt requirements/prod.txt
	@test -x $(PY) || { echo "creating $(VENV) ..."; $(PYTHON) -m venv $(VENV); }
	@echo "installing the Python packages of requirements/dev.txt into $(VENV) (about a minute the first time) ..."
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements/dev.txt
	@echo "Python packages installed"
	@touch $@

services: ## start the project-local PostgreSQL and Redis (unless DATABASE_URL / REDIS_URL are set)
	@scripts/pg.sh start
	@scripts/redis.sh start

stop-services: ## stop the local PostgreSQL and Redis (their data is kept)
	-scripts/pg.sh stop
	-scripts/redis.sh stop

# The local cluster's superuser makes the roles; elsewhere DATABASE_ADMIN_URL names a role that may.
# The scripts read .env (scripts/lib.sh): a DATABASE_URL or SHOP_PORT there counts.
roles: venv services ## create or update the database roles, the database and the grants (docs/security.md)
	@VENV=$(VENV) DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) scripts/roles.sh

setup: venv services roles ## venv + services + roles: what every other target needs

migrate: setup ## apply the migrations to the dev database
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(PY) manage.py migrate --noinput

run: migrate ## set up everything and run web + worker + beat with demo data (Ctrl-C stops)
	@if [ ! -f .local/.demo-seeded ]; then \
		DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(PY) manage.py seed_demo && touch .local/.demo-seeded; \
	fi
	@DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(PY) manage.py staff_login
	@DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) scripts/run.sh

browser: ## install Debian's Chromium for the browser tests when missing
	@scripts/browser.sh >/dev/null

test: setup browser ## set up everything and run the whole test suite (what CI runs)
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) -m pytest $(PYTEST_ARGS)

test-fast: setup browser ## the suite without the tests marked slow (migration round trips), for local work
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

bench: migrate ## run the benchmarks (each prints one JSON line; as the owner: they make scratch tables)
	@for b in bench/*.py; do DATABASE_CONNECT_AS=owner DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(PY) $$b || exit 1; done

# docs/runbooks/backup.md. BACKUP_DIR defaults to BACKUP_ROOT (.local/backups).
backup: venv services ## dump the database with a manifest: size, SHA-256, rows, sums, triggers (BACKUP_DIR=...)
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(PY) manage.py backup $(if $(BACKUP_DIR),--output "$(BACKUP_DIR)")

restore: venv services ## restore FILE=<name>.dump into a new database (DATABASE=...) and verify it against its manifest
	@if [ -z "$(FILE)" ]; then echo "usage: make restore FILE=path/to/<name>.dump [DATABASE=name]" >&2; exit 2; fi
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(PY) manage.py restore "$(FILE)" $(if $(DATABASE),--database "$(DATABASE)")

lint: venv ## ruff (with bandit, datetime and pytest rules), format check, import contract, mypy on apps/
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/mypy

format: venv ## format the code and apply ruff's safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: venv ## fail when a model change has no migration
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) manage.py makemigrations --check --dry-run

clean: ## remove caches and build leftovers (keeps .venv and the local data)
	find . -name __pycache__ -type d -not -path "./.venv/*" -prune -exec rm -rf {} +
	rm -rf .pytest_cache .hypothesis .ruff_cache .import_linter_cache .grimp_cache staticfiles

destroy: stop-services ## stop the services and delete the local database and Redis data
	scripts/pg.sh destroy
	scripts/redis.sh destroy
