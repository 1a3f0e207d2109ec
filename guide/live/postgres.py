"""An embedded PostgreSQL server: the `pgserver` wheel's binaries, no root, no service.

`python -m guide.live.postgres` (`make serve-postgres`) runs the demo app on one, its data
in var/postgres/, kept between runs. Your own server instead: `DATABASE_URL=postgresql://
USER:PASSWORD@HOST/DB python -m demo_app migrate`, then `make serve` with the same setting.

    with EmbeddedPostgres(Path("var/postgres")) as pg:
        url = pg.create_database("demo")   # postgresql+asyncpg://postgres@/demo?host=...

The server listens on a unix socket in its data folder (pgserver's choice), so nothing on
the network can reach it. Run as root, pgserver starts PostgreSQL as a `pgserver` system
user it creates (PostgreSQL refuses to run as root). Start-up takes about a second; a new
database about 0.1 s, so tests take one each and never share rows.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    def __enter__(self) -> EmbeddedPostgres:
        with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set"
            warnings.simplefilter("ignore")
            import pgserver

            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._server = pgserver.get_server(self.data_dir, cleanup_mode="stop")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None

    @property
    def socket_dir(self) -> str:
        [host] = parse_qs(urlsplit(self._server.get_uri()).query)["host"]
        return host

    def url(self, database: str = "postgres", driver: str = "postgresql+asyncpg") -> str:
        """The URL of one database, for the app (asyncpg) or for psycopg (`postgresql`)."""
        return f"{driver}://postgres@/{database}?host={self.socket_dir}"

    def create_database(self, name: str) -> str:
        """A new, empty database; its asyncpg URL."""
        if not DATABASE_NAME.match(name):
            raise ValueError(f"not a plain database name: {name!r}")
        self._server.psql(f"CREATE DATABASE {name};")
        return self.url(name)

    def ensure_database(self, name: str) -> str:
        """The database `name`, created if it does not exist yet; its asyncpg URL."""
        import psycopg

        with psycopg.connect(self.url("postgres", driver="postgresql")) as connection:
            found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if found.fetchone() is None:
                return self.create_database(name)
        return self.url(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m guide.live.postgres",
        description="The demo app on an embedded PostgreSQL (data kept in --data).",
    )
    parser.add_argument("--data", type=Path, default=Path("var/postgres"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    with EmbeddedPostgres(args.data.resolve()) as server:
        env = os.environ | {"DATABASE_URL": server.ensure_database("demo_app")}
        print(f"PostgreSQL {server.url('demo_app')} (data in {args.data})", flush=True)
        demo = [sys.executable, "-m", "demo_app"]
        subprocess.run([*demo, "migrate"], env=env, check=True)
        serve = [*demo, "serve", "--host", args.host, "--port", str(args.port)]
        app = subprocess.Popen(serve, env=env)
        # Ctrl-C reaches the app from the terminal itself; a SIGTERM sent to this process is
        # passed on. Either way the app stops first, then PostgreSQL (leaving the `with`).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, lambda signum, _frame: app.send_signal(signum))
        code = app.wait()  # uvicorn re-raises the signal it stopped on: -15 or -2
        return 0 if code in (-signal.SIGTERM, -signal.SIGINT) else code


if __name__ == "__main__":
    sys.exit(main())
