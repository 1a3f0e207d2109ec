"""The lines behind a step, read from the real file: a function's calls to some names,
with the headers of the blocks (`if`, `for`) they sit in. Nothing is pasted."""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Excerpt:
    path: str  # relative to the repository
    function: str
    lines: list[tuple[int, str]]  # (line number, text), dedented together


def calls_in(path: str, function: str, names: tuple[str, ...], base: Path = REPO) -> Excerpt:
    """The statements of `function` in `path` (relative to `base`) that call one of `names`
    (`add_task` matches `tasks.add_task(...)`), each with the header lines of the blocks
    around it."""
    source = (base / path).read_text(encoding="utf-8")
    tree = ast.parse(source)
    found = next(
        (
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function
        ),
        None,
    )
    if found is None:
        raise LookupError(f"no function {function}() in {path}")
    numbers: set[int] = set()
    _collect(found.body, names, [], numbers)
    if not numbers:
        raise LookupError(f"{function}() in {path} calls none of {names}")
    text = source.splitlines()
    chosen = sorted(numbers)
    dedented = textwrap.dedent("\n".join(text[n - 1] for n in chosen)).splitlines()
    return Excerpt(path, function, list(zip(chosen, dedented, strict=True)))


def _collect(body: list[ast.stmt], names: tuple[str, ...], headers: list[range], out: set[int]):
    for statement in body:
        if isinstance(statement, ast.If | ast.For | ast.AsyncFor | ast.While | ast.With):
            inside = [*headers, _header(statement)]
            _collect(statement.body, names, inside, out)
            orelse = getattr(statement, "orelse", [])
            is_elif = len(orelse) == 1 and isinstance(orelse[0], ast.If)
            _collect(orelse, names, headers if is_elif else inside, out)  # elif: its own header
        elif _calls(statement, names):
            for header in headers:
                out.update(header)
            out.update(range(statement.lineno, (statement.end_lineno or statement.lineno) + 1))


def _header(statement: ast.stmt) -> range:
    """The lines of a block's header: from `if`/`for` to the line its body starts on less one."""
    first_body_line = statement.body[0].lineno  # type: ignore[attr-defined]
    return range(statement.lineno, first_body_line)


def _calls(statement: ast.stmt, names: tuple[str, ...]) -> bool:
    for node in ast.walk(statement):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in names:
                return True
    return False
