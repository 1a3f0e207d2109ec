"""The recipes: one short app per question a reader brings, each a file of this folder.

A recipe's docstring is its text: the question (its first line), the answer, and a last
paragraph starting "Measured", what its test in tests/recipes checks. The terminal
(`python -m guide recipes`, `python -m guide recipe NAME`) and the docs site
(docs/hooks/recipes.py) read them from the files without importing them: a recipe imports
FastAPI, and listing them must not.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

FOLDER = Path(__file__).parent


@dataclass(frozen=True)
class Recipe:
    name: str  # the file's name without .py, with hyphens: `log-task-errors`
    question: str
    answer: str  # Markdown paragraphs
    measured: str  # the "Measured ..." paragraph
    code: str  # the file after its docstring
    code_start: int  # the line where `code` starts (1-based)
    path: Path

    @property
    def module(self) -> str:
        return f"guide.recipes.{self.path.stem}"


def parse(path: Path) -> Recipe:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree)
    if not docstring or not isinstance(tree.body[0], ast.Expr):
        raise ValueError(f"{path.name}: no docstring")
    question, *rest = docstring.split("\n\n")
    if not rest or not rest[-1].startswith("Measured"):
        raise ValueError(f"{path.name}: the docstring's last paragraph must start 'Measured'")
    lines = source.splitlines()
    start = tree.body[0].end_lineno or 1
    while start < len(lines) and not lines[start].strip():
        start += 1
    return Recipe(
        name=path.stem.replace("_", "-"),
        question=" ".join(question.split()),
        answer="\n\n".join(rest[:-1]),
        measured=rest[-1],
        code="\n".join(lines[start:]),
        code_start=start + 1,
        path=path,
    )


def load(folder: Path = FOLDER) -> list[Recipe]:
    """Every recipe, by name."""
    paths = sorted(path for path in folder.glob("*.py") if not path.name.startswith("_"))
    return [parse(path) for path in paths]


def find(name: str, recipes: list[Recipe]) -> Recipe | None:
    """The recipe called `name` (hyphens or underscores alike)."""
    wanted = name.strip().lower().replace("_", "-").removesuffix(".py")
    return next((recipe for recipe in recipes if recipe.name == wanted), None)
