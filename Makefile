# Flagpost: `make run` brings up the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install migrate seed worker beat web clean

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

clean:
	rm -rf var staticfiles
