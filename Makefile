# KomPlan developer commands. Run `make help` for the list.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
PYTEST_ARGS ?=

# Variables that would leak a developer's services into the SQLite-only suite.
SERVICE_VARS := DATABASE_URL CELERY_BROKER_URL CELERY_RESULT_BACKEND KOMPLAN_REQUIRE_SERVICES

# `make test-services`: PostgreSQL (pytest-django creates and drops the database test_test),
# Redis database 15 as broker and result backend, a Celery worker started by the tests.
SERVICES_ENV := \
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
	CELERY_BROKER_URL=redis://127.0.0.1:6379/15 \
	CELERY_RESULT_BACKEND=redis://127.0.0.1:6379/15 \
	KOMPLAN_REQUIRE_SERVICES=1

# The documented example production configuration for the deploy check (README, "Production").
# The secret is an example: never use it for a real installation.
DEPLOY_CHECK_ENV := \
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY=example-only-kQ7vN2xR9tLm4ZpW8sYc3HjF6dGb1TnUe5VaKoXy0MiPqBwErDs \
	ALLOWED_HOSTS=komplan.example.cz \
	DATABASE_URL=postgres://komplan@127.0.0.1:5432/komplan \
	CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \
	CACHE_URL=redis://127.0.0.1:6379/1

.PHONY: help venv demo test test-services lint bench messages messages-check compilemessages

help:
	@echo "make demo           create the venv, migrate, load demo data, serve on 127.0.0.1:8000"
	@echo "make test           the whole suite on SQLite, no services (services tests skip)"
	@echo "make test-services  the whole suite on PostgreSQL + Redis with a real Celery worker"
	@echo "make lint           ruff, migrations check, deploy check of production settings"
	@echo "make bench          every benchmark in benchmarks/, each with its same-run baseline"
	@echo "make messages       update and compile the Czech message catalogue"
	@echo "Pass pytest options with PYTEST_ARGS='-k worker -x'."

$(STAMP): requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --require-hashes --no-deps -r requirements-dev.lock
	touch $@

venv: $(STAMP)

var:
	mkdir -p var

# Compiles catalogues when there are any; a fresh project has no .po files yet.
compilemessages: $(STAMP)
	@if [ -n "$$(find . -path ./$(VENV) -prune -o -name '*.po' -print -quit)" ]; then \
		$(MANAGE) compilemessages --ignore=$(VENV); \
	else \
		echo "No .po catalogues yet; nothing to compile."; \
	fi

demo: $(STAMP) var compilemessages
	$(MANAGE) migrate --noinput
	$(MANAGE) demo
	$(MANAGE) runserver 127.0.0.1:8000

test: $(STAMP) compilemessages
	env $(addprefix -u ,$(SERVICE_VARS)) $(BIN)/python -m pytest $(PYTEST_ARGS)

test-services: $(STAMP) compilemessages
	env $(SERVICES_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP) var
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	env $(DEPLOY_CHECK_ENV) $(MANAGE) check --deploy --fail-level WARNING
	$(MAKE) --no-print-directory messages-check

# Benchmarks run on PostgreSQL and the shared Redis cache, as in production (a scratch database
# is created and dropped; bench_public_pages deletes its own cache keys).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
BENCH_CACHE_URL ?= redis://127.0.0.1:6379/7

bench: $(STAMP)
	env -u CELERY_BROKER_URL DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_CACHE_URL=$(BENCH_CACHE_URL) \
		$(BIN)/python -m benchmarks.run

MAKEMESSAGES := $(MANAGE) makemessages -l cs --no-location --ignore=$(VENV) --ignore=var \
	--ignore=tests --ignore=benchmarks

messages: $(STAMP)
	mkdir -p locale
	$(MAKEMESSAGES)
	$(MANAGE) compilemessages --ignore=$(VENV)

# The Czech catalogue must hold every message of the code, each translated (Czech is the
# default UI language): fails when makemessages would change it or msgfmt finds gaps.
messages-check: $(STAMP)
	$(MAKEMESSAGES) -v0
	@if ! git diff --quiet -I '^"POT-Creation-Date' -- locale/; then \
		echo "The Czech catalogue is out of date: run make messages, translate, commit."; \
		git diff --stat -- locale/; exit 1; \
	fi
	@if msgfmt --check --statistics -o /dev/null locale/cs/LC_MESSAGES/django.po 2>&1 \
		| tee /dev/stderr | grep -qE 'untranslated|fuzzy'; then \
		echo "The Czech catalogue has untranslated or fuzzy messages."; exit 1; \
	fi
