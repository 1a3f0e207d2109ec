"""The guide's sections: one Markdown file each, `guide/content/NN-slug.md`.

The number comes from NN, the slug from the rest of the name, the title from the first
`# ` heading (guide.markdown.title). Tests point `GUIDE_CONTENT_DIR` at a directory of
their own. Each section has a notebook of the same name, `notebooks/NN-slug.ipynb`, in a
checkout of the repository (an installed wheel has none).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from guide import markdown

CONTENT_DIR = Path(__file__).parent / "content"
FILENAME = re.compile(r"^(?P<number>\d+)-(?P<slug>[a-z0-9][a-z0-9-]*)\.md$")


@dataclass(frozen=True)
class Section:
    number: int
    slug: str
    title: str
    path: Path

    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")


def content_dir() -> Path:
    return Path(os.environ.get("GUIDE_CONTENT_DIR") or CONTENT_DIR)


def load(directory: Path | None = None) -> list[Section]:
    """Every section in `directory` (default: the guide's own), in order."""
    sections = []
    for path in (directory or content_dir()).glob("*.md"):
        if match := FILENAME.match(path.name):
            number, slug = int(match["number"]), match["slug"]
            title = markdown.title(path.read_text(encoding="utf-8")) or slug
            sections.append(Section(number, slug, title, path))
    return sorted(sections, key=lambda section: section.number)


def find(key: str, sections: list[Section]) -> Section | None:
    """The section named by its number (`6`, `06`) or slug (`error-handling`)."""
    key = key.strip().lower()
    for section in sections:
        if key.isdigit() and int(key) == section.number or key == section.slug:
            return section
    return None


def after(section: Section, sections: list[Section]) -> Section | None:
    """The section that follows `section`, None after the last."""
    later = [other for other in sections if other.number > section.number]
    return min(later, key=lambda other: other.number, default=None)


def notebook(section: Section, root: Path) -> str | None:
    """`notebooks/NN-slug.ipynb`, the section's notebook, if the checkout at `root` has it."""
    name = f"notebooks/{section.path.stem}.ipynb"
    return name if (root / name).is_file() else None
