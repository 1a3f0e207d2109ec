"""What the docs tests share besides fixtures: the built site."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Site:
    path: Path
    log: str
    started: float  # time.time() when the build began

    def page(self, url: str) -> str:
        """The HTML of a page by its site URL, such as `patterns/registration/`."""
        return (self.path / url / "index.html").read_text(encoding="utf-8")
