# The shop: `make run` to run it with demo data, `make test` to run the suite.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
DEV_SETTINGS := config.settings.dev
TEST_SETTINGS := config.settings.test

.PHONY: help setup venv browser services stop-services migrate run test bench lint format check clean destroy

help:
	@echo "make run    - set up everything and run web + worker + beat with demo data"
	@echo "make test   - set up everything and run the whole test suite"
	@echo "make bench  - run the benchmarks (each prints one JSON line)"
	@echo "make lint   - ruff check + format check"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements/base.txt requirements/dev.txt requirements/prod.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements/dev.txt
	@touch $@

services:
	@if [ -z "$$DATABASE_URL" ]; then scripts/pg.sh start; else echo "using DATABASE_URL"; fi
	@if [ -z "$$REDIS_URL" ]; then scripts/redis.sh start; else echo "using REDIS_URL"; fi

stop-services:
	-scripts/pg.sh stop
	-scripts/redis.sh stop

setup: venv services

migrate: setup
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(PY) manage.py migrate --noinput

run: migrate
	@if [ ! -f .local/.demo-seeded ]; then \
		DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(PY) manage.py seed_demo && touch .local/.demo-seeded; \
	fi
	@DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(PY) manage.py staff_login --url "http://127.0.0.1:$${SHOP_PORT:-8000}/admin/"
	@DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) scripts/run.sh

browser:
	@scripts/browser.sh >/dev/null

test: setup browser
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) -m pytest $(PYTEST_ARGS)

bench: migrate
	@for b in bench/*.py; do DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(PY) $$b || exit 1; done

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: venv
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) manage.py makemigrations --check --dry-run

destroy: stop-services
	scripts/pg.sh destroy
	scripts/redis.sh destroy
