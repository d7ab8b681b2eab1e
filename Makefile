# Two commands on a fresh machine with Python 3.11+ and make: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench sample clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/caseaudit check sample_cases/authority.xlsx --csv reports/data_quality.csv
	$(BIN)/caseaudit check sample_cases/messy --csv reports/messy_data_quality.csv

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(VENV)/.installed
	$(BIN)/python scripts/bench.py

# Regenerate the committed synthetic sample (deterministic: same seed, same files).
sample: $(VENV)/.installed
	$(BIN)/python -c "from pathlib import Path; from audit.sample import write_sample_cases; write_sample_cases(Path('.'))"

clean:
	rm -rf $(VENV) reports/*/ reports/*.csv .pytest_cache .ruff_cache .mypy_cache
