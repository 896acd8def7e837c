# Flagpost: `make run` brings up the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install migrate seed worker beat web clean nhsuk-assets

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet '.[test]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

## The first command: set everything up and run web + worker + beat on the embedded default.
run: seed
	bash scripts/run-embedded.sh

## The second command: the whole test suite (PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL say so).
## In PYTEST_WORKERS processes (pytest-xdist): each has its own test database and Redis database.
PYTEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

## The NHS.UK frontend in static/vendor/nhsuk-frontend, from its npm package (scripts/nhsuk_assets.py says how to update it).
NHSUK_VERSION ?= 10.6.1
NHSUK_TGZ ?= nhsuk-frontend-$(NHSUK_VERSION).tgz
nhsuk-assets: | $(BIN)/python
	test -f $(NHSUK_TGZ) || npm pack nhsuk-frontend@$(NHSUK_VERSION)
	$(BIN)/python scripts/nhsuk_assets.py $(NHSUK_TGZ)

clean:
	rm -rf var staticfiles
