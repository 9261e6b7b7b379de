# The two commands the README promises: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint fmt bench bench-smoke docs mutate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job: lint the specs, then the gate against the embedded mock; reports land in reports/.
run: $(STAMP)
	$(BIN)/contractgate lint --quiet
	$(BIN)/contractgate run --report-dir reports

# Two workers: one per core of the machines this runs on (tests are independent: tmp dirs, port 0).
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

docs: $(STAMP)
	$(BIN)/contractgate conflicts --out specs/DOC-CONFLICTS.md
	$(BIN)/contractgate rules --format md > docs/rules.md
	$(BIN)/python -m contractgate.reports.diff docs/changes.md

# The rules' mutation score (specs/mutations.yaml, shown in docs/rules.md); review specs/uncaught-mutations.yaml after.
mutate: $(STAMP)
	$(BIN)/contractgate mutate --payloads tests/rules/payloads --out specs/mutations.yaml

# Every benchmark, full length (minutes). PRISM=/path/to/prism measures the mock beside Prism (bench/bench_mock.py).
bench: $(STAMP)
	$(BIN)/python bench/run_all.py $(if $(PRISM),--prism "$(PRISM)")

# Every benchmark in its smoke mode (seconds): that each still runs end to end; its figures measure nothing.
bench-smoke: $(STAMP)
	$(BIN)/python bench/run_all.py --smoke

clean:
	rm -rf $(VENV) build dist .ruff_cache
	find reports -mindepth 1 ! -name README.md -exec rm -rf {} +
