"""What every checker needs: run an exercise file on a real server, read all it printed,
read a prediction from it, and say what is wrong.

A checker judges by behaviour: it starts the file with uvicorn on 127.0.0.1
(`guide.live.LiveServer`), makes requests, then stops the server with SIGTERM. uvicorn
waits for running background tasks before it exits, so once `finish()` returns, every
line the tasks were ever going to print is there: "it never happened" is a fact, not a
guess after a sleep.

A `print()` is two writes (the text, then the newline), so a line a worker thread prints
can get a log line of uvicorn's glued to its end: checkers look for the text *in* a line,
never for a line equal to it.
"""

from __future__ import annotations

import secrets
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from guide.live import LiveServer

HERE = Path(__file__).resolve().parent
START_SECONDS = 20.0  # for uvicorn to import the file and listen


class Wrong(Exception):
    """What the reader's file did, said plainly; `hint` replaces the exercise's own hint."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Exercise:
    number: int
    slug: str
    title: str
    task: str  # a few lines: what to change or predict
    hint: str  # shown when the check fails
    checker: Callable[[Path], str]  # raises Wrong, or returns what it saw when right

    @property
    def filename(self) -> str:
        return f"ex{self.number:02d}_{self.slug}.py"

    @property
    def starter(self) -> Path:
        return HERE / "starters" / self.filename

    @property
    def solution(self) -> Path:
        return HERE / "solutions" / self.filename


def tag(prefix: str) -> str:
    """A name no earlier run used, so no line from another request can be taken for this one."""
    return f"{prefix}{secrets.token_hex(3)}"


@contextmanager
def serve(
    path: Path, env: Mapping[str, str] | None = None, args: Sequence[str] = ()
) -> Iterator[LiveServer]:
    """The file's `app` under uvicorn on a free 127.0.0.1 port; stopped (SIGTERM) at the end."""
    server = LiveServer(
        f"{path.stem}:app",
        env={"PYTHONDONTWRITEBYTECODE": "1", **(env or {})},
        args=["--app-dir", str(path.parent), *args],
        cwd=path.parent,
    )
    try:
        server.start(START_SECONDS)
    except RuntimeError as error:
        said = [line.strip() for line in str(error).splitlines()[1:] if line.strip()]
        assert server.process is not None
        if server.process.returncode == -signal.SIGKILL:  # still starting: stopped here
            why = f"it was not up after {START_SECONDS:g} s (a busy machine?)"
        else:
            why = said[-1] if said else "it printed nothing"
        raise Wrong(
            f"{path.name} did not start: {why}",
            "run it yourself to see the whole error: "
            f"python -m uvicorn --app-dir {path.parent} {path.stem}:app",
        ) from None
    try:
        yield server
    finally:
        server.stop()


def finish(server: LiveServer) -> list[str]:
    """Stop the server with SIGTERM (uvicorn waits for the tasks first) and return every
    line it printed, read to the end of its output."""
    server.stop()
    assert server.process is not None and server.process.stdout is not None
    deadline = time.monotonic() + 10
    while not server.process.stdout.closed:  # the reader thread closes it after the last line
        if time.monotonic() > deadline:
            raise Wrong("the server's output never ended after it exited")
        time.sleep(0.01)
    return list(server.lines)


def stop_with(server: LiveServer, sig: int, timeout: float = 20.0) -> tuple[float, list[str]]:
    """Send `sig`, wait for the exit; how long it took and every line printed."""
    began = time.monotonic()
    server.signal(sig)
    try:
        server.wait(timeout)
    except subprocess.TimeoutExpired:
        server.kill()
    took = time.monotonic() - began
    return took, finish(server)


def first(lines: Sequence[str], text: str) -> int | None:
    """The index of the first line containing `text`, or None."""
    return next((i for i, line in enumerate(lines) if text in line), None)


def answered(lines: Sequence[str], method: str, path: str) -> int:
    """The index of uvicorn's access-log line for the request, printed as the response left."""
    index = first(lines, f'"{method} {path} HTTP/1.1"')
    if index is None:
        raise Wrong(f"the server never answered {method} {path}")
    return index


def load(path: Path) -> ModuleType:
    """The reader's file, imported afresh under a name of its own (never a cached module,
    never one left over from an earlier check)."""
    module = ModuleType(f"_exercise_{path.stem}_{secrets.token_hex(4)}")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module  # pydantic and dataclasses look their module up
    try:  # compiled here, not imported: no bytecode cache is written beside the file
        exec(compile(path.read_text(), str(path), "exec"), module.__dict__)
    except Exception as error:  # the reader's file: any error is theirs to see
        raise Wrong(
            f"{path.name}{where(error, path)}: {type(error).__name__}: {error}",
            f"the file must run before its prediction can be read: python {path}",
        ) from None
    finally:
        del sys.modules[module.__name__]
    return module


def where(error: BaseException, path: Path) -> str:
    """ ", line N" of the last line of `path` the error's traceback passed through, or ""."""
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename == str(path)
    ]
    return f", line {lines[-1]}" if lines else ""
