# Newsroom Pulse. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install demo test test-unit test-integration test-reliability bench profile lint format schemas clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv with the project and its development tools

demo: $(STAMP) ## run it all: local Kafka, a worker, simulated traffic, the API and /metrics
	$(BIN)/pulse demo

lint: $(STAMP) ## ruff, mypy (strict) and the JSON Schema drift check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m schemas.export --check

test-unit: $(STAMP) ## unit tests only (no broker)
	$(BIN)/pytest tests/unit -q

test-integration: $(STAMP) ## integration tests against a real local Kafka (started by the fixtures)
	$(BIN)/pytest tests/integration -q

test-reliability: $(STAMP) ## failure scenarios on the real broker (kills, broker restart, rebalances), with their reports
	$(BIN)/pytest tests/reliability -q -s

test: $(STAMP) lint ## everything CI runs: lint, unit, integration and reliability tests on the real broker
	$(BIN)/pytest tests -q

bench: $(STAMP) ## the benchmark on a local Kafka (~35 min; BENCH_ARGS=--quick for a minute): benchmarks/results/
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

profile: $(STAMP) ## where one worker's CPU goes: py-spy over a 200,000-event drain (benchmarks/results/profile.md)
	$(BIN)/python -m benchmarks.profile

format: $(STAMP) ## apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schemas: $(STAMP) ## regenerate schemas/jsonschema from the models
	$(BIN)/python -m schemas.export

clean: ## remove the virtualenv and local data (var/)
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
