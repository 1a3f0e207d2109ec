"""Where the guide runs from: a checkout of its repository, or an installed wheel.

A checkout has the Makefile and notebooks/ beside the `guide` package (and `make test`,
`make notebooks` work there); a wheel installs the package alone, in site-packages.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def checkout_root(package: Path = PACKAGE) -> Path | None:
    """The repository the package sits in, or None for an installed wheel."""
    root = package.parent
    if (root / "Makefile").is_file() and (root / "notebooks").is_dir():
        return root
    return None
