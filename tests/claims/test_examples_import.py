"""Every example app in `guide/examples` imports, exposes `app`, and is run by a claim test."""

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from fastapi import FastAPI

import guide.examples

EXAMPLES = sorted(m.name for m in pkgutil.iter_modules(guide.examples.__path__))
CLAIM_TESTS = sorted(Path(__file__).parent.glob("test_claim_*.py"))
# guide.examples.NAME as a module name, or as an app path for uvicorn ("...NAME:app").
MODULE = re.compile(r"guide\.examples\.(\w+)(?:\.[\w.]+)?(?::\w+)?")


def examples_used(source: str) -> set[str]:
    """The examples a module really uses: imported, or named in a string such as the app
    path it hands to uvicorn. A name in a comment or a docstring's prose does not count."""
    used = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "guide.examples":
            names = [f"{node.module}.{alias.name}" for alias in node.names]  # ...import X
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]  # from guide.examples.X import y
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]  # import guide.examples.X
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value]  # "guide.examples.X:app"
        else:
            continue
        used |= {match[1] for name in names if (match := MODULE.fullmatch(name))}
    return used


USED_BY_CLAIM_TESTS = {name for path in CLAIM_TESTS for name in examples_used(path.read_text())}


def test_there_are_examples():
    assert len(EXAMPLES) >= 10


def test_only_real_uses_count():
    source = '''
"""guide.examples.in_docstring_prose is mentioned, not used."""
# from guide.examples import in_a_comment
from guide.examples import imported as example
from guide.examples.imported_from import app
import guide.examples.imported_whole
APP = "guide.examples.app_path:app"
'''
    assert examples_used(source) == {"imported", "imported_from", "imported_whole", "app_path"}


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_exposes_an_app(name):
    module = importlib.import_module(f"guide.examples.{name}")
    assert isinstance(module.app, FastAPI)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_is_run_by_a_claim_test(name):
    assert name in USED_BY_CLAIM_TESTS, f"no tests/claims/test_claim_*.py imports or runs {name}"
