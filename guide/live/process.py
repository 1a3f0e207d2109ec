"""Child processes on loopback whose output is kept, and cursors that read it once.

`LiveServer` runs `uvicorn APP` (or, in subclasses, another command) on a free 127.0.0.1
port and keeps every line it prints, so callers can show (or assert) what it did. The demo
app's JSON log lines (LOG_FORMAT=json) are kept as `LogLine`s, which carry their fields:
what the app's tasks did is read from those (`fields_of`), never from a message's wording.
`Cursor` reads a list that another thread appends to: each look returns what came since
the last one, and nothing is skipped, however long the caller takes to show it.
`run_whole` runs a command that starts processes of its own (a docs build runs notebook
kernels, which start demo apps) and, past its time, stops all of them, not just the first.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, Self, TypeVar

from demo_app.platform.log_events import parse
from demo_app.platform.logs import console_text
from demo_app.platform.mailbox import free_port

READY = "Uvicorn running on"
# uvicorn's HTTP implementation and event loop, as `--http`/`--loop` arguments: its pure
# Python defaults, and what `fastapi[standard]` (uvicorn[standard]) installs and picks
PROTOCOLS = {
    "h11": ("--http", "h11", "--loop", "asyncio"),
    "httptools": ("--http", "httptools", "--loop", "uvloop"),
}
T = TypeVar("T")
# In a process's env, "1": its JSON log lines are kept as the console prints them when it
# is not a terminal (`INFO demo_app.tasks [REQUEST-ID] message`), each still with its fields.
CONSOLE_LOGS = "GUIDE_CONSOLE_LOGS"


class LogLine(str):
    """One of the app's JSON log lines, as kept (its JSON, or its console text), with
    `fields`: the keys of its JSON object (demo_app/platform/log_events.py)."""

    fields: dict[str, Any]

    def __new__(cls, text: str, fields: dict[str, Any]) -> LogLine:
        line = super().__new__(cls, text)
        line.fields = fields
        return line


def fields_of(line: str) -> dict[str, Any] | None:
    """The fields of a kept line that the app logged as JSON; None for any other line."""
    return line.fields if isinstance(line, LogLine) else None


class Cursor(Generic[T]):
    """Where a reader of a growing list stopped (by default: at its end, now)."""

    def __init__(self, items: list[T], start: int | None = None) -> None:
        self.items = items
        self.position = len(items) if start is None else start

    def new(self) -> list[T]:
        """The items added since the last look. The cursor moves past exactly these: an
        item appended while the caller shows them comes with the next look."""
        fresh = self.items[self.position :]
        self.position += len(fresh)
        return fresh

    def peek(self) -> list[T]:
        """The items a `new()` would return now, without moving."""
        return self.items[self.position :]


class LiveServer:
    """`python -m uvicorn APP` on 127.0.0.1, its output collected line by line.

    Subclasses run other commands (`command()`), up once they print `ready`.
    """

    ready = READY
    new_session = False  # True: the terminal's Ctrl-C does not reach it; its owner stops it

    def __init__(
        self,
        app: str,
        *,
        env: Mapping[str, str] | None = None,
        args: Sequence[str] = (),
        cwd: str | os.PathLike[str] | None = None,
        port: int | None = None,
        echo: bool = False,
    ) -> None:
        self.app = app
        self.port = port or free_port()
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.args = list(args)
        self.cwd = cwd
        self.echo = echo
        self.lines: list[str] = []
        self.console_logs = self.env.get(CONSOLE_LOGS) == "1"
        self.process: subprocess.Popen[str] | None = None
        self._eof = False
        self._changed = threading.Condition()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "uvicorn", self.app, "--host", "127.0.0.1"]
        return command + ["--port", str(self.port), *self.args]

    def start(self, timeout: float = 20.0) -> Self:
        self.process = subprocess.Popen(
            self.command(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
            cwd=self.cwd,
            start_new_session=self.new_session,
        )
        threading.Thread(target=self._read, daemon=True).start()
        try:
            self.wait_for_line(self.ready, timeout)
        except TimeoutError:
            self.kill()
            raise RuntimeError(f"{self.app} did not start:\n{self.output()}") from None
        return self

    def _read(self) -> None:
        assert self.process and self.process.stdout
        for line in self.process.stdout:
            kept = self.keep(line.rstrip("\n"))
            if self.echo:
                print("\n".join(kept), flush=True)
            with self._changed:
                self.lines.extend(kept)
                self._changed.notify_all()
        self.process.stdout.close()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    def keep(self, text: str) -> list[str]:
        """The lines kept for one line printed: a JSON log line as a `LogLine` (with
        `console_logs`, in the console's format: its traceback, if any, on the lines after)."""
        entry = parse(text)
        if entry is None:
            return [text]
        if not self.console_logs:
            return [LogLine(text, entry)]
        first, *rest = console_text(entry).split("\n")
        return [LogLine(first, entry), *rest]

    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_for_line(self, pattern: str, timeout: float = 10.0, start: int = 0) -> str:
        """The first line (from index `start`) matching the regex `pattern`, waiting up to
        `timeout` seconds for it to be printed."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines[start:]:
                    if regex.search(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    why = "the output ended" if self._eof else f"{timeout}s passed"
                    raise TimeoutError(f"no line matching {pattern!r}: {why}")
                self._changed.wait(min(left, 0.1))

    def wait_for_lines(
        self, pattern: str, count: int, timeout: float = 10.0, start: int = 0
    ) -> list[str]:
        """At least `count` lines (from index `start`) matching `pattern`, waiting for them."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [line for line in self.lines[start:] if regex.search(line)]
                left = deadline - time.monotonic()
                if len(found) >= count:
                    return found
                if left <= 0 or self._eof:
                    why = "the output ended" if self._eof else f"{timeout}s passed"
                    raise TimeoutError(
                        f"{len(found)} of {count} lines matching {pattern!r}: {why}; "
                        f"the output's last lines:\n" + "\n".join(self.lines[-40:])
                    )
                self._changed.wait(min(left, 0.1))

    def signal(self, sig: int) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)

    def wait(self, timeout: float = 10.0) -> int:
        assert self.process
        return self.process.wait(timeout)

    def terminate(self, timeout: float = 10.0) -> int:
        """SIGTERM (uvicorn's graceful shutdown) and wait for the exit code."""
        self.signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            try:
                self.terminate(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def stat_of(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command's name (state, ppid, ...; see
    proc(5)), or None once the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux: read from /proc)."""
    pids = (int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit())
    return [child for child in pids if (fields := stat_of(child)) and int(fields[1]) == pid]


def descendants(pid: int) -> list[int]:
    """`pid`'s children, theirs and so on, those in sessions of their own included (a
    process group would miss them: kernels and Celery workers start new sessions)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        below = children(todo.pop())
        found += below
        todo += below
    return found


def alive(pid: int) -> bool:
    """Is `pid` running (a zombie has exited: only its parent has not reaped it yet)?"""
    fields = stat_of(pid)
    return fields is not None and fields[0] != "Z"


def kill_all(pids: Sequence[int]) -> None:
    """SIGKILL each of `pids` that still exists."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run_whole(command: Sequence[str], timeout: float, **kwargs) -> subprocess.CompletedProcess:
    """`subprocess.run(command, capture_output=True, text=True, timeout=timeout)`; past its
    time, SIGKILL for the command and every process under it before TimeoutExpired."""
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as expired:
            kill_all([process.pid, *descendants(process.pid)])  # the tree first, then kill
            try:
                process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                pass  # a process that got away holds the pipes still: not waited for
            raise expired
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
