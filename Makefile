# kada_dagster developer and CI entry points. `make test` is the README's (and CI's) test command:
# on a fresh machine it builds the venv, installs the test servers, lints and runs the tests.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The install stamp is keyed on the inputs of the install, so editing pyproject.toml, kada_sim/pyproject.toml
# or constraints.txt (or deleting .venv) triggers a reinstall and nothing else does.
INSTALL_INPUTS := pyproject.toml kada_sim/pyproject.toml constraints.txt
INSTALL_HASH := $(shell cat $(INSTALL_INPUTS) 2>/dev/null | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(INSTALL_HASH)

.PHONY: help install services test check lint floor demo dev bench lock clean

help:
	@echo "make install   create .venv and install the project + test deps (pinned by constraints.txt) + kada_sim (dev only)"
	@echo "make test      install, install the test servers (postgres, azurite), ruff, mypy, floor, pytest"
	@echo "make check     the inner loop (< 2 min): ruff, mypy, floor, unit tests, one end-to-end run per vendor"
	@echo "make floor     fail on any construct Python 3.10 (requires-python) lacks (vermin)"
	@echo "make demo      run the end-to-end demo (python -m kada_sim.demo)"
	@echo "make dev       dagster dev with DAGSTER_HOME=./dagster_home"
	@echo "make bench     run the benchmarks (python -m benchmarks)"
	@echo "make lock      regenerate constraints.txt from the current .venv"

install: $(STAMP)

# kada_sim (the simulated APIs) is a dev-only distribution of its own (kada_sim/pyproject.toml), installed
# editable beside the project and never in its wheel.
$(STAMP): $(INSTALL_INPUTS)
	@test -x $(BIN)/python || { echo "creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]' -e ./kada_sim
	@rm -f $(VENV)/.installed-*
	@touch $@

services:
	bash scripts/test_services.sh install

# The Python floor: requires-python is >=3.10 (KADA's collector servers run 3.10+), so no module may use a
# construct 3.10 lacks (datetime.UTC, typing.Self, StrEnum, tomllib, except*, ...). mypy checks as 3.10 too.
FLOOR_PATHS := kada_dagster kada_sim benchmarks kada_dagster_tests

floor: install
	$(BIN)/vermin -t=3.10- --no-tips --violations $(FLOOR_PATHS)

lint: install floor
	$(BIN)/ruff check .
	$(BIN)/mypy

# Two pytest workers (CI has 2 cores), whole modules to a worker so a module's simulator starts once; each
# worker starts its own PostgreSQL, Azurite and moto on free ports. Fresh clone: 875 s, was 1,261 s on one.
test: install services floor
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q -n 2 --dist loadfile --durations=25

check: install floor
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q -m check --durations=5

demo: install
	$(BIN)/python -m kada_sim.demo

# DAGSTER_HOME must be absolute; dagster.yaml is copied only when missing so local edits survive.
dev: install
	@mkdir -p dagster_home
	@test -f dagster_home/dagster.yaml || cp dagster.yaml dagster_home/dagster.yaml
	KADA_START_DATE=$${KADA_START_DATE:-$$(cat dagster_home/.kada_start_date 2>/dev/null)} \
		DAGSTER_HOME=$(CURDIR)/dagster_home $(BIN)/dagster dev -w workspace.yaml

bench: install
	$(BIN)/python -m benchmarks

# The project and kada_sim are installed editable, so --exclude-editable drops them; the grep is a belt
# for a non-editable install.
lock:
	@test -x $(BIN)/pip || { echo "no $(VENV): run 'make install' first" >&2; exit 1; }
	$(BIN)/pip freeze --exclude-editable --disable-pip-version-check \
		| grep -viE '^kada[-_](dagster|sim)( |=|@|$$)' > constraints.txt.tmp
	mv constraints.txt.tmp constraints.txt
	@echo "constraints.txt: $$(wc -l < constraints.txt) pins"

clean:
	rm -rf .tools .pytest_cache .ruff_cache *.egg-info
