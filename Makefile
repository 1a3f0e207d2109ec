# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run serve test lint lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9

$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock -e .
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: install  ## the main job: serve the demo app on embedded defaults
	$(BIN)/python -m demo_app serve

serve: run

test: install  ## lint, then the whole suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lock:  ## re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile --quiet pyproject.toml --extra test -o requirements.lock --python $(BIN)/python

clean:
	rm -rf $(VENV) var site .pytest_cache
