# Unified Commerce — every set-up step is here, so a fresh clone needs only `make run` / `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
# `make test` runs the suite on this many pytest-xdist workers (each with its own test
# database, Redis database and channel-layer prefix); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2
# Where `make run` serves, and where the embedded services and run_all's pidfile live.
ADDR    ?= 127.0.0.1:8000
VAR_DIR ?= var

export PYTHONUNBUFFERED := 1

.PHONY: install gettext messages run web test test-embedded lint format bench stop browser clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP) messages

## GNU gettext (msgfmt) for compilemessages: installed when missing and running as root.
gettext:
	@if command -v msgfmt >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
	  echo "Installing GNU gettext for translations..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null) ; \
	else \
	  echo "Translations need GNU gettext: run 'sudo apt-get install -y gettext' and re-run make."; exit 1; \
	fi

## Compile locale/*/LC_MESSAGES/*.po into .mo (Django's compilemessages; no settings needed).
messages: $(STAMP) gettext
	env -u DJANGO_SETTINGS_MODULE $(BIN)/django-admin compilemessages --ignore=.venv --ignore=var --ignore=node_modules

## Migrate, load demo data, then run web + Celery worker + beat in the foreground (Ctrl-C stops
## those three; `make stop` stops them and the embedded Postgres/Redis). e.g. make run ADDR=127.0.0.1:8103
run: install
	VAR_DIR=$(VAR_DIR) $(BIN)/python manage.py migrate --noinput
	VAR_DIR=$(VAR_DIR) $(BIN)/python manage.py seed_demo
	VAR_DIR=$(VAR_DIR) $(BIN)/python manage.py run_all --addr $(ADDR)

## Debian's Chromium for browser tests (installed when missing and running as root).
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
	  echo "Installing Debian's chromium for browser tests..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ; \
	else \
	  echo "Browser tests need Debian's chromium: run 'sudo apt-get install -y chromium' and re-run make test."; exit 1; \
	fi
	@# A Japanese font, so screenshots of Japanese addresses and names show text, not boxes.
	@if fc-list :lang=ja 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-ipafont-gothic >/dev/null) ; \
	else \
	  echo "Screenshots need a Japanese font: sudo apt-get install -y fonts-ipafont-gothic"; \
	fi

## The whole suite, against real Postgres and Redis (DATABASE_URL/REDIS_URL, else embedded).
test: install browser
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## A smoke pass with DATABASE_URL/REDIS_URL unset: embedded Postgres and Redis.
test-embedded: install
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(BIN)/pytest -p no:xdist -m "not browser" tests/test_health.py tests/customers tests/catalog tests/test_privacy.py $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	@# wrk drives the HTTP benchmarks (P1); without it they fall back to a slower Python client.
	@if ! command -v wrk >/dev/null 2>&1 && [ "$$(id -u)" = "0" ]; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) ; \
	fi
	$(BIN)/python bench/run.py

## Stop what `make run` started: web, worker and beat (pids in $(VAR_DIR)/run_all.json), then the
## embedded Postgres and Redis (data in $(VAR_DIR)/ is kept).
stop:
	@test -x $(BIN)/python && $(BIN)/python -c "import sys; sys.path.insert(0, '.'); from commerce_platform.devservices import stop_all; stop_all('$(VAR_DIR)')" || true

clean: stop
	rm -rf $(VENV) $(VAR_DIR) staticfiles tests/artifacts
