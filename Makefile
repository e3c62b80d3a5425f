# Catch Up — the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# The demo runs like production (DEBUG off, gunicorn, WhiteNoise) but over
# plain http on this machine, with a secret key generated once and kept in var/,
# under the demo factory's name (factory/demo/specs.py).
DEMO_ENV = DEBUG=0 HTTPS=0 SECRET_KEY="$$(cat var/secret_key)" FACTORY_NAME="太原矿山机器厂（演示）"

.PHONY: install install-dev messages browser vnu demo serve test lint format bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet -e .
	touch $@

# The dev extra holds the app's own dependencies too: one install, not two.
$(VENV)/.installed-dev: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed messages

install-dev: $(VENV)/.installed-dev messages

messages: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py compilemessages --ignore '.venv' -v 0

var/secret_key:
	mkdir -p var
	python3 -c 'import secrets; print(secrets.token_urlsafe(64))' > $@
	chmod 600 $@

demo: install var/secret_key
	$(DEMO_ENV) $(PY) manage.py migrate --no-input -v 0
	$(DEMO_ENV) $(PY) manage.py seed_demo
	$(DEMO_ENV) $(PY) manage.py collectstatic --no-input -v 0
	@echo "Serving the demo factory on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	@# The task worker (large imports) runs beside gunicorn and stops with it.
	$(DEMO_ENV) $(PY) manage.py db_worker --no-reload & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT; \
	  $(DEMO_ENV) $(VENV)/bin/gunicorn factory.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile -

# Production-style server and the task worker beside it; configure both
# through the environment (README).
serve: install
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT; \
	  $(VENV)/bin/gunicorn factory.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3}

# The browser tests drive Debian's Chromium (Playwright's own browser download
# does not work on a closed network); install it when we may.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "The browser tests need Debian's chromium: sudo apt-get install chromium"; \
	    exit 1; \
	  fi; }

# The Nu Html Checker for tests/factory/test_html_valid.py: the jar from the
# npm registry's vnu-jar package, kept in var/ (not in git); it needs java.
VNU_VERSION := 26.9.27
var/vnu/vnu.jar:
	mkdir -p var/vnu
	cd var/vnu && npm pack --silent vnu-jar@$(VNU_VERSION) >/dev/null && \
	  tar xzf vnu-jar-$(VNU_VERSION).tgz package/build/dist/vnu.jar && \
	  mv package/build/dist/vnu.jar vnu.jar && rm -rf package vnu-jar-$(VNU_VERSION).tgz

vnu: var/vnu/vnu.jar

# The whole suite: on DATABASE_URL when set, else the embedded SQLite; on
# every core (pytest-xdist: a test database and a browser per worker).
TEST_WORKERS ?= auto
test: install-dev browser var/vnu/vnu.jar
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Needs PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL, default the local
# server) and wrk for the load test (installed here when apt-get may be used).
bench: install-dev
	@# The peer the import is measured against (django-import-export): bench only.
	$(PIP) install --quiet -e '.[bench]'
	command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null 2>&1 || \
		echo "wrk is not installed (apt-get install wrk): the load test will be skipped"
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 test-artifacts
