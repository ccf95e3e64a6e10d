# Two commands set everything up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
N ?= 200000000

.PHONY: demo test lint typecheck bench bench-scale fixtures clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m partsearch.demo

test: $(STAMP)
	$(PY) -m ruff check src tests benchmarks
	$(PY) -m mypy
	PARTSEARCH_HYPOTHESIS_PROFILE=repeatable $(PY) -m pytest

fixtures: $(STAMP)
	$(PY) -m benchmarks.worldgen --out data/fixtures/world --crosses 3000 --seed 7

bench: $(STAMP)
	$(PY) -m pytest benchmarks --benchmark-enable -p no:randomly

bench-scale: $(STAMP)
	$(PY) -m benchmarks.scale --crosses $(N)

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache
