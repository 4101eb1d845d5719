# The two commands a newcomer needs: `make run` and `make test`.
# Each does all set-up itself: virtualenv, dependencies, PostgreSQL, Docker, image, schema.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TG     := $(BIN)/trialgate
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck format bench setup infra image migrate down clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

infra: $(STAMP)
	$(TG) infra up

image: infra
	$(TG) sandbox build-image python3.11

migrate: infra
	$(TG) migrate

setup: $(STAMP) infra image migrate

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
	$(BIN)/python bench/reputation.py

down:
	test ! -x $(TG) || $(TG) infra down

clean: down
	rm -rf .data $(VENV)
