"""The recipes page, drawn from the recipe files at build time (guide.recipes reads them).

Each recipe's question, answer and "Measured" paragraph come from its docstring; its code
is included from the file itself (`--8<-- "guide/recipes/NAME.py:START:"`, the lines after
the docstring), so nothing is typed twice. Written to
var/docs-generated/recipes/recipes.md, which docs/recipes.md includes.
"""

from __future__ import annotations

from pathlib import Path

from guide import recipes

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "var" / "docs-generated" / "recipes" / "recipes.md"  # outputs.py owns the top


def recipe_page(every: list[recipes.Recipe]) -> str:
    out = ["| Question | Recipe |", "|---|---|"]
    out += [f"| [{recipe.question}](#{recipe.name}) | `{recipe.name}` |" for recipe in every]
    for recipe in every:
        file = recipe.path.relative_to(ROOT).as_posix()
        test = f"tests/recipes/test_{recipe.path.stem}.py"
        out += [
            "",
            f"## {recipe.question} {{#{recipe.name}}}",
            "",
            recipe.answer,
            "",
            f"**{recipe.measured}**",
            "",
            f'```python title="{file}"',
            f'--8<-- "{file}:{recipe.code_start}:"',
            "```",
            "",
            f"Run it: `uvicorn {recipe.module}:app`. In the terminal: "
            f"`python -m guide recipe {recipe.name}`. Its test: `{test}`.",
        ]
    return "\n".join(out)


def on_pre_build(config) -> None:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    partial = OUTPUT.with_suffix(".tmp")
    partial.write_text(recipe_page(recipes.load()) + "\n", encoding="utf-8")
    partial.replace(OUTPUT)
