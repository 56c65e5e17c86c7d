# Every target creates .venv on first use, so `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CLINIC := examples/clinic_plugin
CLINIC_STAMP := $(VENV)/.clinic-installed

.PHONY: demo test lint typecheck format serve bench bench-quick bench-instructions bench-service clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (set PYTHON=...)" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,fast,service,dask]'
	@touch $(STAMP)

# The example clinic plugin is installed into the same venv, as a clinic would install its own.
$(CLINIC_STAMP): $(STAMP) $(CLINIC)/pyproject.toml
	$(BIN)/python -m pip install --quiet -e $(CLINIC)
	@touch $(CLINIC_STAMP)

# The demo shows the built-in knowledge base alone, whether or not `make test` installed the
# example clinic plugin.
demo: $(STAMP)
	CAREENGINE_DISABLE_PLUGINS=clinic_example $(BIN)/careengine evaluate examples/assessments/desk-worker.json --format text

# the CDS Hooks 2.0 service on http://127.0.0.1:8080/cds-services with the embedded defaults: no
# authentication (loopback only), a SQLite file careengine-service.db in this directory
# (docs/cds-hooks.md); Ctrl+C stops it
serve: $(STAMP)
	$(BIN)/careengine serve --host 127.0.0.1 --port 8080

test: $(CLINIC_STAMP) lint typecheck
	$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q $(CLINIC)

lint: $(STAMP)
	$(BIN)/ruff check careengine plugins tests examples benchmarks
	$(BIN)/ruff format --check careengine plugins tests examples benchmarks

# mypy --strict ([tool.mypy] in pyproject.toml) on careengine, the built-in plugins and packs, and
# the example clinic plugin. mypy cannot follow setuptools' package-dir mapping (the packages
# careengine_plugins and careengine_rules live in plugins/ and rules/), so it finds them through
# links under $(MYPY_PATH).
MYPY_PATH := $(VENV)/mypy-path
typecheck: $(STAMP)
	@mkdir -p $(MYPY_PATH)
	@ln -sfn $(CURDIR)/plugins $(MYPY_PATH)/careengine_plugins
	@ln -sfn $(CURDIR)/rules $(MYPY_PATH)/careengine_rules
	MYPYPATH=$(MYPY_PATH):$(CLINIC) $(BIN)/mypy -p careengine -p careengine_plugins \
		-p careengine_rules -p careengine_clinic_example

format: $(STAMP)
	$(BIN)/ruff format careengine plugins tests examples benchmarks
	$(BIN)/ruff check --fix careengine plugins tests examples benchmarks

# the full pipeline per plan, its floor, careengine's rule run against raw durable-rules from 50
# to 20,000 rules, the CLI, memory, instructions per plan (callgrind) and every issue-16 target
# (docs/performance.md); about a quarter of an hour
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# shorter runs for iterating; results go to benchmarks/results-quick.json (not committed)
bench-quick: $(STAMP)
	BENCH_QUICK=1 $(BIN)/python -m benchmarks.run --out benchmarks/results-quick.json

# callgrind instructions per plan of the full pipeline (python, durable, floor) on the built-in
# knowledge base; skipped with a message without valgrind; benchmarks/results-instructions.json
bench-instructions: $(STAMP)
	$(BIN)/python -m benchmarks.instructions

# the CDS Hooks service under load: the real server on loopback (SQLite store, authentication
# on), 400 patient-view calls from 8 keep-alive clients; requests/s and p50/p95/p99
# (docs/performance.md); make bench runs it too
bench-service: $(STAMP)
	$(BIN)/python -m benchmarks.service_load

clean:
	rm -rf $(VENV) build *.egg-info $(CLINIC)/build $(CLINIC)/*.egg-info
