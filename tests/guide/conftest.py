"""Helpers for the guide's CLI tests: a copy of the fixture sections, and a way to run
`python -m guide` (in a subprocess, piped or on a pseudo-terminal) or render in-process.
"""

from __future__ import annotations

import fcntl
import io
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from guide.render import render

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = "tests/guide/fixtures/sample_tasks.py"  # relative to the snippets' base: the repo


def _environment(content: Path | None, env: dict[str, str] | None) -> dict[str, str]:
    environment = {**os.environ, "COLUMNS": "100", "TERM": "xterm-256color"}
    environment.pop("NO_COLOR", None)
    if content is not None:
        environment["GUIDE_CONTENT_DIR"] = str(content)
    return environment | (env or {})


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A writable copy of the fixture sections (`01-first-steps.md`, `02-second-section.md`)."""
    return Path(shutil.copytree(FIXTURES / "content", tmp_path / "content"))


@pytest.fixture
def guide() -> Callable[..., subprocess.CompletedProcess[str]]:
    """`guide("6", content=DIR)`: `python -m guide 6` with its output piped."""

    def run(
        *args: str,
        content: Path | None = None,
        env: dict[str, str] | None = None,
        python_options: tuple[str, ...] = (),
        cwd: Path = REPO,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *python_options, "-m", "guide", *args],
            capture_output=True,
            text=True,
            env=_environment(content, env),
            cwd=cwd,
            timeout=60,
        )

    return run


TERMINAL_ROWS = 40  # a laptop terminal: 100 columns (COLUMNS) by 40 rows


@pytest.fixture
def guide_on_terminal() -> Callable[..., tuple[int, str]]:
    """`guide_on_terminal("6")`: the exit status and output of `python -m guide 6` on a
    100x40 pty. Its pager is `cat` unless `env` names another (PAGER): an interactive
    `less` would wait for keys forever."""

    def run(
        *args: str, content: Path | None = None, env: dict[str, str] | None = None
    ) -> tuple[int, str]:
        leader, follower = pty.openpty()
        size = struct.pack("HHHH", TERMINAL_ROWS, 100, 0, 0)
        fcntl.ioctl(follower, termios.TIOCSWINSZ, size)
        process = subprocess.Popen(
            [sys.executable, "-m", "guide", *args],
            stdin=follower,
            stdout=follower,
            stderr=follower,
            env=_environment(content, {"PAGER": "cat", "MANPAGER": "", **(env or {})}),
            cwd=REPO,
        )
        os.close(follower)
        chunks = []
        deadline = time.monotonic() + 60
        while True:
            if not select.select([leader], [], [], max(0, deadline - time.monotonic()))[0]:
                process.kill()  # waiting for a key (a pager?) or hung: fail, do not hang
                raise AssertionError(f"no output for 60 s; so far: {b''.join(chunks)!r}")
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        return process.wait(timeout=60), b"".join(chunks).decode()

    return run


@pytest.fixture
def rendered() -> Callable[[str], str]:
    """`rendered(markdown)`: the plain text the CLI would print for `markdown`."""

    def run(markdown: str) -> str:
        console = Console(
            file=io.StringIO(), width=80, no_color=True, force_terminal=False, highlight=False
        )
        console.print(render(markdown, base=REPO, plain=True))
        return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines())

    return run
