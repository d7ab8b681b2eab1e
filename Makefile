# Two commands on a fresh machine with Python 3.11+ and make: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench bench-region fuzz sample clean

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
	$(BIN)/caseaudit check sample_cases/messy --csv reports/messy_data_quality.csv
	for month in 2026-08 2026-09 2026-10; do \
		$(BIN)/caseaudit run sample_cases/authority.xlsx --period $$month \
			--config sample_cases/demo.toml || exit $$?; \
	done
	$(BIN)/caseaudit send --period 2026-10 --config sample_cases/demo.toml --dry-run
	@echo "Open reports/2026-10/index.html; emails for checking are in reports/outbox/2026-10/"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

# A few thousand damaged copies of the committed samples (tests/fuzz_inputs.py); prints the
# counts by exit code, the slowest and the largest case. `make test` runs a fixed slice.
FUZZ_CASES ?= 2000
FUZZ_SEED ?= 1
FUZZ_JOBS ?= 2
fuzz: $(VENV)/.installed-test
	$(BIN)/python -m tests.fuzz_inputs --cases $(FUZZ_CASES) --seed $(FUZZ_SEED) --jobs $(FUZZ_JOBS)

bench: $(VENV)/.installed
	$(BIN)/python scripts/bench.py

# A region: 33 fictional authorities of 10,000 children as parquet, one folder each (made
# once under bench_data/), audited as one run; prints wall time, peak RSS and the cores.
bench-region: $(VENV)/.installed
	$(BIN)/python scripts/bench_region.py

# Regenerate the committed synthetic sample (deterministic: same seed, same files).
sample: $(VENV)/.installed
	$(BIN)/python -c "from pathlib import Path; from audit.sample import write_sample_cases; write_sample_cases(Path('.'))"

clean:
	rm -rf $(VENV) reports/*/ reports/*.csv .pytest_cache .ruff_cache .mypy_cache
