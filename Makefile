# The README's two commands: `make demo` and `make test`. Both are idempotent.
VENV   ?= .venv
PYTHON ?= python3
PIP    := $(VENV)/bin/pip

.PHONY: demo test check setup system-packages bench clean

demo: setup  ## install everything, then run callmon with simulated calls
	$(VENV)/bin/callmon run --demo

test: setup check  ## install everything, check lint, format, types and imports, then run the tests
	$(VENV)/bin/pytest -q -n 2

check: setup  ## ruff (lint + format), mypy (strict on product code), the import-direction contract
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

setup: system-packages $(VENV)/.installed

system-packages:
	@bash deploy/install-system-packages.sh

$(VENV)/.installed: pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	@touch $@

bench: setup  ## the benchmarks named in the issues; they print their figures
	$(VENV)/bin/python -m bench.asr
	$(VENV)/bin/python -m bench.ingest_capacity
	$(VENV)/bin/python -m bench.latency
	$(VENV)/bin/python -m bench.dashboard
	$(VENV)/bin/python -m bench.translate
	$(VENV)/bin/python -m bench.qa_search
	$(VENV)/bin/python -m bench.insight
	$(VENV)/bin/python -m bench.keyword_probe
	$(VENV)/bin/python -m bench.vad
	$(VENV)/bin/python -m bench.crash
	$(VENV)/bin/python -m bench.overload
	$(VENV)/bin/python -m bench.listen

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
