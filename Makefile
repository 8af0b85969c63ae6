# Evident: `make run` to try it, `make test` before you push. Only python3 is needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# make bench SCALE=3: the benchmark workspace three times as large.
SCALE ?= 1

# Stamps: the installs rerun only when pyproject.toml changes.
INSTALLED := $(VENV)/.installed
INSTALLED_DEV := $(VENV)/.installed-dev

.DEFAULT_GOAL := help
.PHONY: help run migrate test lint fmt bench clean

help:
	@echo "make run     create .venv, install, migrate and serve on http://$(HOST):$(PORT)"
	@echo "make test    install dev dependencies, then ruff, mypy and the whole pytest suite"
	@echo "make lint    ruff check, ruff format --check and mypy"
	@echo "make fmt     format the code and apply ruff's safe fixes"
	@echo "make bench   run the benchmarks in bench/ (SCALE=3: a workspace 3x as large)"
	@echo "make clean   remove .venv and caches (keeps ./data/)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(INSTALLED_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(INSTALLED) $@

run: $(INSTALLED)
	$(BIN)/evident migrate
	$(BIN)/evident serve --host $(HOST) --port $(PORT)

migrate: $(INSTALLED)
	$(BIN)/evident migrate

lint: $(INSTALLED_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app

# Both cores (or all of a bigger machine): each test has its own SQLite database. Bytecode
# caches stay on even where the environment turns them off: without them every worker compiles
# the app and rewrites every test module again, which doubles its start.
test: lint
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n auto

fmt: $(INSTALLED_DEV)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(INSTALLED_DEV)
	$(BIN)/python -m bench --scale $(SCALE)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis test-results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
