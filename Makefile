# Unified Commerce — every set-up step is here, so a fresh clone needs only `make run` / `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

export PYTHONUNBUFFERED := 1

.PHONY: install run web test test-embedded lint format bench stop browser clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

## Migrate, load demo data, then run web + Celery worker + beat in the foreground (Ctrl-C stops all).
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py run_all

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
	$(BIN)/pytest $(PYTEST_ARGS)

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
	$(BIN)/python bench/run.py

## Stop the embedded Postgres and Redis (data in var/ is kept).
stop:
	@test -x $(BIN)/python && $(BIN)/python -c "import sys; sys.path.insert(0, '.'); from commerce_platform.devservices import stop_all; stop_all('var')" || true

clean: stop
	rm -rf $(VENV) var staticfiles tests/artifacts
