"""The demo app as a throwaway stack: a fresh database, uploads folder and local SMTP sink.

`demo_stack()` starts it on free 127.0.0.1 ports and removes it all afterwards; the tour,
the notebooks, the docs recorder, the benchmarks and the live tests all start it this way.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from demo_app.platform.mailbox import MailSink, ReceivedMail
from guide.live.process import CONSOLE_LOGS, LiveServer

FAST_HASHING = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024"}  # a demo, not a vault
PASSWORD = "correct horse battery"  # every demo user's, in the tour, notebooks and tests
DEMO_APP = "demo_app.main:app"


def demo_env(workdir: Path, smtp_port: int | None) -> dict[str, str]:
    """Embedded defaults for a throwaway demo app: its own database, uploads and mail.

    It logs JSON lines, whose fields the harness reads (`guide.live.client`), kept as the
    console prints them (`CONSOLE_LOGS`): what is shown and asserted reads as on a console.
    """
    env = {
        "ENVIRONMENT": "development",
        "LOG_FORMAT": "json",
        CONSOLE_LOGS: "1",
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'demo.db'}",
        "UPLOAD_DIR": str(workdir / "uploads"),
        "SECRET_KEY": "live-demo-secret-key-not-for-production-use",
        # The tour, notebooks and load tests register and log in many users from one
        # address in seconds; the app's own limits (a real app's) are tested on their own.
        "RATE_LIMIT_REGISTER_PER_IP": "100000/minute",
        "RATE_LIMIT_LOGIN_PER_IP": "100000/minute",
        "RATE_LIMIT_LOGIN_PER_USERNAME": "1000/minute",
        "LOGIN_SLOWDOWN_PER_USERNAME": "100000/minute",
        # ...and have one user change hundreds of items: the per-user quotas too.
        "QUOTA_EMAILS_PER_HOUR": "100000",
        "QUOTA_UPLOADS_PER_HOUR": "100000",
    }
    if smtp_port is not None:
        env |= {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port)}
    return env


@dataclass
class DemoStack:
    server: LiveServer
    mail: MailSink
    workdir: Path
    earlier: list[LiveServer] = field(default_factory=list)  # the servers `restart` replaced

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def database_url(self) -> str:
        return self.server.env["DATABASE_URL"]

    def make_admin(self, username: str) -> None:
        """`python -m demo_app make-admin USERNAME` against this stack's database."""
        subprocess.run(
            [sys.executable, "-m", "demo_app", "make-admin", username],
            env=self.server.env,
            check=True,
            capture_output=True,
        )

    def restart(self, **kwargs: Any) -> LiveServer:
        """A new server process on the same database, mail sink and port."""
        self.earlier.append(self.server)
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
    on_mail: Callable[[ReceivedMail], None] | None = None,
) -> Iterator[DemoStack]:
    """The demo app on a free port with a fresh database and a local SMTP sink."""
    with (
        tempfile.TemporaryDirectory(prefix="guide-demo-") as tmp,
        MailSink(on_message=on_mail) as sink,
    ):
        workdir = Path(tmp)
        server_env = demo_env(workdir, sink.port) | dict(env or {})
        if env and "LOG_FORMAT" in env:  # the caller's format, kept as printed
            del server_env[CONSOLE_LOGS]
        server = LiveServer(DEMO_APP, env=server_env, args=args, echo=echo)
        stack = DemoStack(server, sink, workdir)
        stack.server.start()
        try:
            yield stack
        finally:
            stack.server.stop()
