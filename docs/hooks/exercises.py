"""The exercises page's list, drawn from the catalog (guide/exercises/catalog.py): each
exercise's number, title, section, task, file and commands. Written to
var/docs-generated/exercises/exercises.md before each build, which docs/exercises.md includes.
"""

from __future__ import annotations

from pathlib import Path

from guide import sections
from guide.exercises.catalog import EXERCISES

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "var" / "docs-generated" / "exercises" / "exercises.md"  # its own folder


def build() -> str:
    by_number = {section.number: section for section in sections.load()}
    out = []
    for number, spec in EXERCISES.items():
        section = by_number[number]
        task = " ".join(spec.task.split())
        out += [
            f"### {number}. {spec.title}",
            "",
            f"After [section {number}, {section.title}](sections/{section.path.stem}.md)"
            f" (its notebook: [{section.path.stem}](notebooks/{section.path.stem}.md)).",
            "",
            task,
            "",
            f"Your file: `exercises/{spec.filename}`. "
            f"Terminal: `python -m guide exercise {number}`, then "
            f"`python -m guide check {number}`. "
            f"Notebook: `exercise({number})`, then `check({number})`.",
            "",
        ]
    return "\n".join(out)


def on_pre_build(config) -> None:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    partial = OUTPUT.with_suffix(".md.tmp")
    partial.write_text(build() + "\n", encoding="utf-8")
    partial.replace(OUTPUT)


if __name__ == "__main__":
    print(build())
