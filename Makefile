# Flagpost: `make run` brings up the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install migrate seed worker beat web clean nhsuk-assets oidc-provider sso-demo

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
test: install oidc-provider
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

## The test OpenID Connect provider (node-oidc-provider, tests/oidc/provider) for the sign-in tests
## and `make sso-demo`: from its package-lock.json. Needs node and npm; without them those tests skip.
OIDC_PROVIDER := tests/oidc/provider
OIDC_STAMP := $(OIDC_PROVIDER)/node_modules/.installed
$(OIDC_STAMP): $(OIDC_PROVIDER)/package.json $(OIDC_PROVIDER)/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix $(OIDC_PROVIDER) --no-audit --no-fund --loglevel=error && touch $(OIDC_STAMP); \
	else echo "npm not found: the single sign-on tests will be skipped"; fi

oidc-provider: $(OIDC_STAMP)

## The demo with the Trust's staff signing in through the test provider (Ctrl-C to stop).
sso-demo: seed oidc-provider
	$(BIN)/python manage.py sso_demo

## The NHS.UK frontend in static/vendor/nhsuk-frontend, from its npm package (scripts/nhsuk_assets.py says how to update it).
NHSUK_VERSION ?= 10.6.1
NHSUK_TGZ ?= nhsuk-frontend-$(NHSUK_VERSION).tgz
nhsuk-assets: | $(BIN)/python
	test -f $(NHSUK_TGZ) || npm pack nhsuk-frontend@$(NHSUK_VERSION)
	$(BIN)/python scripts/nhsuk_assets.py $(NHSUK_TGZ)

clean:
	rm -rf var staticfiles
