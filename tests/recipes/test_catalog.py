"""The recipe catalog: `python -m guide recipes` and `recipe NAME`, each recipe's shape,
its test, the recipes page and the FAQ's links."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from guide import recipes
from guide.snippets import expand
from tests.support import docs_hook

REPO = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).parent
RECIPES = recipes.load()
WEB_STACK = {"fastapi", "uvicorn", "starlette", "sqlalchemy", "pydantic", "httpx", "stamina"}
CLAIM_IDS = {
    match[1]
    for path in (REPO / "tests" / "claims").glob("test_claim_*.py")
    if (match := re.search(r'^CLAIM = "([^"]+)"', path.read_text(encoding="utf-8"), re.M))
}


def guide(*args: str, options: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *options, "-m", "guide", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "COLUMNS": "120"},  # code lines of 100 characters, unwrapped
        timeout=60,
    )


@pytest.mark.live  # runs python -m guide
def test_recipes_lists_at_least_15_each_with_its_question():
    result = guide("recipes", "--plain")
    assert result.returncode == 0, result.stderr
    listed = re.findall(r"^  ([a-z0-9][a-z0-9-]+)  ", result.stdout, re.M)
    assert listed == ["name"] + [recipe.name for recipe in RECIPES]  # the header, the rows
    assert len(listed) - 1 >= 15
    flat = " ".join(result.stdout.split())
    for recipe in RECIPES:
        assert recipe.question in flat, recipe.name


def can_fail(tree: ast.Module) -> bool:
    """Does the module hold an assert or a `pytest.raises`, or import the recipe's own tests?"""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Attribute) and node.attr == "raises":
            return True
    return False


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda recipe: recipe.name)
def test_each_recipe_has_a_test_module_that_runs_it(recipe: recipes.Recipe):
    path = TESTS / f"test_{recipe.path.stem}.py"
    assert path.exists(), f"no {path.relative_to(REPO)}"
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    stem = recipe.path.stem
    runs_it = (
        f"{recipe.module}:app" in source
        or f"from guide.recipes import {stem}" in source
        or f"from {recipe.module} import" in source
    )
    assert runs_it, f"{path.name} does not import or serve {recipe.module}"
    tests = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    ]
    imported = [
        alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == recipe.module
        for alias in node.names
        if alias.name.startswith("test_")
    ]
    assert tests or imported, f"{path.name} has no test"
    assert can_fail(tree), f"{path.name} asserts nothing"


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda recipe: recipe.name)
def test_each_recipe_is_short_and_says_question_answer_and_measure(recipe: recipes.Recipe):
    code_lines = [line for line in recipe.code.splitlines() if line.strip()]
    assert 10 <= len(code_lines) <= 40, f"{recipe.name}: {len(code_lines)} lines of code"
    assert recipe.question.endswith("?") or recipe.question.endswith("."), recipe.question
    assert 2 <= len(recipe.answer.splitlines()) <= 4, recipe.name
    assert recipe.measured.startswith("Measured")
    assert expand(f'--8<-- "{recipe.path.relative_to(REPO)}:{recipe.code_start}:"', REPO) == (
        recipe.code
    )


@pytest.mark.live  # runs python -m guide
@pytest.mark.parametrize("recipe", RECIPES, ids=lambda recipe: recipe.name)
def test_recipe_name_shows_the_answer_the_measure_and_the_code(recipe: recipes.Recipe):
    result = guide("recipe", recipe.name, "--plain")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"# {recipe.question.replace('`', '')}")
    flat = " ".join(result.stdout.split())
    assert " ".join(recipe.measured.replace("`", "").split()) in flat
    last_code_line = recipe.code.strip().splitlines()[-1].strip()
    assert last_code_line in result.stdout
    assert f"uvicorn {recipe.module}:app" in result.stdout


@pytest.mark.live  # runs python -m guide
def test_a_recipe_by_its_file_name_and_an_unknown_one():
    assert guide("recipe", "log_task_errors.py", "--plain").returncode == 0
    result = guide("recipe", "no-such-recipe")
    assert result.returncode == 2
    assert "no recipe 'no-such-recipe'" in result.stderr
    assert all(f"  {recipe.name}\n" in result.stderr for recipe in RECIPES)


@pytest.mark.live  # runs python -m guide
@pytest.mark.parametrize("args", [["recipes"], ["recipe", "periodic-job", "--plain"]])
def test_reading_recipes_never_imports_the_web_stack(args):
    result = guide(*args, options=("-X", "importtime"))
    assert result.returncode == 0, result.stderr
    imported = {
        line.rpartition("|")[2].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "rich" in imported
    assert not imported & WEB_STACK


def recipes_hook():
    return docs_hook("recipes")


def test_the_recipes_page_includes_each_file_after_its_docstring():
    page = recipes_hook().recipe_page(RECIPES)
    for recipe in RECIPES:
        assert f"## {recipe.question} {{#{recipe.name}}}" in page
        include = f'--8<-- "guide/recipes/{recipe.path.stem}.py:{recipe.code_start}:"'
        assert include in page
    assert recipe.code in expand(page, REPO)


def faq() -> list[tuple[str, str]]:
    """(question, answer) for each `## ` heading of docs/faq.md."""
    text = (REPO / "docs" / "faq.md").read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.M)[1:]
    return list(zip(parts[0::2], (answer.strip() for answer in parts[1::2]), strict=True))


@pytest.mark.parametrize("question, answer", faq(), ids=[q for q, _ in faq()])
def test_every_faq_answer_links_to_a_recipe_or_claim_that_exists(question: str, answer: str):
    names = {recipe.name for recipe in RECIPES}
    recipe_links = re.findall(r"\]\(recipes\.md#([a-z0-9-]+)\)", answer)
    claim_links = re.findall(r"\]\(claims\.md#([a-z0-9-]+)\)", answer)
    assert recipe_links or claim_links, f"{question}: no link to a recipe or a claim"
    assert set(recipe_links) <= names, set(recipe_links) - names
    assert set(claim_links) <= CLAIM_IDS, set(claim_links) - CLAIM_IDS
    assert 2 <= len(answer.splitlines()) <= 6, question  # the answer and its links


def test_every_recipe_answers_a_faq_question():
    linked = {
        name for _, answer in faq() for name in re.findall(r"recipes\.md#([a-z0-9-]+)", answer)
    }
    assert linked == {recipe.name for recipe in RECIPES}
