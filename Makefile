# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
export NO_MKDOCS_2_WARNING := 1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: install run tour read serve serve-postgres worker test check lint types fuzz docs docs-build notebooks browser bench bench-quick matrix lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9

$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock -e .
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: tour  ## the main job: the live tour of the four patterns

tour: install
	$(BIN)/python -m guide tour

read: install  ## the whole guide in the terminal
	$(BIN)/python -m guide

serve: install  ## the demo app on 127.0.0.1:8000 (Swagger UI at /docs)
	$(BIN)/python -m guide serve

serve-postgres: install  ## the demo app on an embedded PostgreSQL (data in var/postgres)
	$(BIN)/python -m guide.live.postgres

worker: install  ## Redis (embedded if REDIS_URL is unset), two Celery workers and beat
	$(BIN)/python -m guide worker

test: lint types  ## lint, types, then the whole suite (real servers included)
	$(BIN)/python -m pytest -n 2 --dist loadscope

check: lint types  ## the fast inner loop: lint, types and every test that starts no process and waits no seconds
	GUIDE_CHECK=1 $(BIN)/python -m pytest -m "not live and not slow" -q -n 2

fuzz: install  ## the API fuzz test from fresh seeds, ten times the examples (minutes)
	GUIDE_FUZZ_EXPLORE=1 $(BIN)/python -m pytest tests/demo_app/test_fuzz.py -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy

docs: install  ## serve the docs site on 127.0.0.1:8001
	$(BIN)/mkdocs serve -a 127.0.0.1:8001

docs-build: install
	$(BIN)/mkdocs build --strict

browser: install  ## Playwright's own chromium for the browser tests (a download, no root)
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD= $(BIN)/python -m playwright install chromium

notebooks: install  ## open the notebooks in JupyterLab (installs it first)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements-notebooks.lock -e .
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

bench: install  ## what each way of running a task costs (~15 min): bench/results/costs.json, SVGs
	$(BIN)/python -m bench.costs
	$(BIN)/python -m bench.costs --durability
	$(BIN)/python -m bench.costs --durability --database postgres
	$(BIN)/python bench/cli_startup.py
	$(BIN)/python bench/endpoint_overhead.py

bench-quick: install  ## the same benchmark, one concurrency and one mail latency (< 1 min)
	$(BIN)/python -m bench.costs --quick

matrix: install  ## the claims suite on nine FastAPI releases (minutes: docs/releases.md has the last runs'; by hand, not in CI): tests/claims/releases.json
	$(BIN)/python tests/release_matrix/run.py

lock:  ## re-resolve the lock files from pyproject.toml
	$(BIN)/uv pip compile --quiet pyproject.toml --extra test -o requirements.lock --python $(BIN)/python
	$(BIN)/uv pip compile --quiet pyproject.toml --extra test --extra notebooks -o requirements-notebooks.lock --python $(BIN)/python

clean:
	rm -rf $(VENV) var site test-artifacts .pytest_cache
