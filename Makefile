# The two commands a newcomer needs: `make run` and `make test`.
# Each does all set-up itself: virtualenv, dependencies, PostgreSQL, Docker, image, schema.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TG     := $(BIN)/trialgate
STAMP  := $(VENV)/.installed
WEB    := service/web
# The code editor's files, served by the app itself (no CDN): npm installs them from the lock
# file, then the files the pages load are copied into static/vendor/ (git ignores both).
VENDOR := $(WEB)/static/vendor/codemirror
ASSETS := $(VENDOR)/.installed
EDITOR_FILES := lib/codemirror.js lib/codemirror.css mode/python/python.js LICENSE

.PHONY: run test lint typecheck format bench setup assets infra image migrate down clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(ASSETS): $(WEB)/package.json $(WEB)/package-lock.json
	command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq npm)
	cd $(WEB) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	cd $(WEB)/node_modules/codemirror && cp $(EDITOR_FILES) $(CURDIR)/$(VENDOR)/
	touch $@

assets: $(ASSETS)

infra: $(STAMP)
	$(TG) infra up

image: infra
	$(TG) sandbox build-image python3.11

migrate: infra
	$(TG) migrate

setup: $(STAMP) assets infra image migrate

# On an empty database the demo loads trials, a history, a model and people to sign in as;
# on later runs it only prints fresh sign-in links. serve grades with its embedded worker.
run: setup
	$(TG) demo
	$(TG) serve

test: setup
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python -m bench.grading
	$(BIN)/python -m bench.boundary
	$(BIN)/python -m bench.api
	$(BIN)/python -m bench.fairness
	$(BIN)/python -m bench.similarity
	$(BIN)/python -m bench.eligibility
	$(BIN)/python -m bench.matching
	$(BIN)/python bench/reputation.py

down:
	test ! -x $(TG) || $(TG) infra down

clean: down
	rm -rf .data $(VENV) $(WEB)/node_modules $(WEB)/static/vendor
