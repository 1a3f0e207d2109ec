"""Start real servers on loopback for the tour, the notebooks and the tests.

`LiveServer` runs `uvicorn APP` in a child process on a free 127.0.0.1 port and keeps
every line it prints, so callers can show (or assert) what the background tasks did.
`demo_stack()` adds a temporary database and a local SMTP sink around the demo app.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from demo_app.mailbox import MailSink, free_port

READY = "Uvicorn running on"
FAST_HASHING = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024"}  # a demo, not a vault
PASSWORD = "correct horse battery"  # every demo user's, in the tour, notebooks and tests


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
        self.process: subprocess.Popen[str] | None = None
        self._eof = False
        self._changed = threading.Condition()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "uvicorn", self.app, "--host", "127.0.0.1"]
        return command + ["--port", str(self.port), *self.args]

    def start(self, timeout: float = 20.0) -> LiveServer:
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
            if self.echo:
                print(line, end="", flush=True)
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        self.process.stdout.close()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

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
                    raise TimeoutError(f"no line matching {pattern!r} after {timeout}s")
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

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def demo_env(workdir: Path, smtp_port: int | None) -> dict[str, str]:
    """Embedded defaults for a throwaway demo app: its own database, uploads and mail."""
    env = {
        "ENVIRONMENT": "development",
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'demo.db'}",
        "UPLOAD_DIR": str(workdir / "uploads"),
        "SECRET_KEY": "live-demo-secret-key-not-for-production-use",
    }
    if smtp_port is not None:
        env |= {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port)}
    return env


@dataclass
class DemoStack:
    server: LiveServer
    mail: MailSink
    workdir: Path

    @property
    def url(self) -> str:
        return self.server.url

    def make_admin(self, username: str) -> None:
        """`python -m demo_app make-admin USERNAME` against this stack's database."""
        subprocess.run(
            [sys.executable, "-m", "demo_app", "make-admin", username],
            env=self.server.env,
            check=True,
            capture_output=True,
        )

    def restart(self, **kwargs) -> LiveServer:
        """A new server process on the same database, mail sink and port."""
        self.server = LiveServer(
            self.server.app,
            env=self.server.env,
            args=self.server.args,
            port=self.server.port,
            **kwargs,
        ).start()
        return self.server


@contextmanager
def demo_stack(
    env: Mapping[str, str] | None = None,
    *,
    args: Sequence[str] = (),
    echo: bool = False,
    on_mail=None,
) -> Iterator[DemoStack]:
    """The demo app on a free port with a fresh database and a local SMTP sink."""
    with (
        tempfile.TemporaryDirectory(prefix="guide-demo-") as tmp,
        MailSink(on_message=on_mail) as sink,
    ):
        workdir = Path(tmp)
        server_env = demo_env(workdir, sink.port) | dict(env or {})
        stack = DemoStack(
            LiveServer("demo_app.main:app", env=server_env, args=args, echo=echo), sink, workdir
        )
        stack.server.start()
        try:
            yield stack
        finally:
            stack.server.stop()
