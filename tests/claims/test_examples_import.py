"""Every example app in `guide/examples` imports, exposes `app`, and is run by a claim test."""

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from fastapi import FastAPI

import guide.examples

EXAMPLES = sorted(m.name for m in pkgutil.iter_modules(guide.examples.__path__))
CLAIM_TESTS = Path(__file__).parent.glob("test_claim_*.py")
NAMES_IN_CLAIM_TESTS = {word for p in CLAIM_TESTS for word in re.findall(r"\w+", p.read_text())}


def test_there_are_examples():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_exposes_an_app(name):
    module = importlib.import_module(f"guide.examples.{name}")
    assert isinstance(module.app, FastAPI)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_is_run_by_a_claim_test(name):
    assert name in NAMES_IN_CLAIM_TESTS, f"no tests/claims/test_claim_*.py uses {name}"
