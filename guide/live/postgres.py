"""An embedded PostgreSQL server: the `pgserver` wheel's binaries, no service to install.

`python -m guide.live.postgres` (`make serve-postgres`) runs the demo app on one, its data
in var/postgres/, kept between runs. Your own server instead: `DATABASE_URL=postgresql://
USER:PASSWORD@HOST/DB python -m demo_app migrate`, then `make serve` with the same setting.

    with EmbeddedPostgres(Path("var/postgres")) as pg:
        url = pg.create_database("demo")  # postgresql+asyncpg://postgres:PASSWORD@/demo?host=...

Only its owner can use it. It listens on no TCP port, only on a unix socket in a new folder
of mode 0700 (not in /tmp itself); its superuser needs a password (SCRAM), made when the
data folder is (kept in it, readable by the server's user only) and given in every `url()`.
Folders it did not make keep their modes.

Run as root, PostgreSQL (which refuses to run as root) runs as a `pgserver` system user,
with that user's group only; the data folder and the socket folder become that user's, so
root and that user can open them, nobody else. That user must be able to reach the data
folder: under a folder closed to other users (/root, pytest's temporary folders) it cannot,
and the server does not start (it says so) rather than open the folders on the way.
Start-up takes about a second; a new database about 0.1 s, so tests take one each.
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
SUPERUSER = "postgres"
SYSTEM_USER = "pgserver"  # PostgreSQL's user when started by root (pgserver's name for it)
PASSWORD_FILE = "superuser-password"  # in the data folder
# Unix-socket connections only, each with the password.
PG_HBA = "local all all scram-sha-256\n"


def pgserver_binaries() -> Path:
    with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set"
        warnings.simplefilter("ignore")
        from pgserver._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.absolute()
        self.password = ""
        self.run_dir: Path | None = None  # the socket's folder, made for this run
        self.user = pwd.getpwnam(ensure_system_user()) if os.geteuid() == 0 else None
        self.bin = pgserver_binaries()

    def _run(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
        """A PostgreSQL program, as the server's user (and its group only) when root."""
        return self._as_user([str(self.bin / command[0]), *command[1:]], **kwargs)

    def _as_user(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
        if self.user is not None:
            kwargs |= {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        kwargs.setdefault("cwd", self.run_dir)
        return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)

    def _own(self, path: Path) -> None:
        """Hand a file or folder this server made (or was given as its data) to its user."""
        if self.user is not None:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)

    def __enter__(self) -> EmbeddedPostgres:
        self.run_dir = Path(tempfile.mkdtemp(prefix="guide-pg-"))  # 0700, a short path
        log = self.data_dir / "log"  # the server's own
        try:
            self._own(self.run_dir)
            self._binaries_reachable()
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._own(self.data_dir)
            self._check_reachable()
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb()
            elif not (self.data_dir / PASSWORD_FILE).exists():
                self._set_password()  # a folder made before passwords: trust until now
            self.password = (self.data_dir / PASSWORD_FILE).read_text().strip()
            self._write(self.data_dir / "pg_hba.conf", PG_HBA)
            options = f"-c listen_addresses='' -k {self.run_dir} -c unix_socket_permissions=0700"
            start = ["-w", "-l", str(log), "-o", options, "start"]
            self._run(["pg_ctl", "-D", str(self.data_dir), *start])
        except subprocess.CalledProcessError as error:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            said = error.stderr + (log.read_text()[-2000:] if log.exists() else "")
            raise RuntimeError(f"PostgreSQL did not start: {error.cmd[0]}:\n{said}") from error
        except BaseException:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.run_dir is None:
            return
        try:
            self._run(["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])
        finally:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            self.run_dir = None

    def _write(self, path: Path, text: str) -> None:
        """A file only the server's user (and root) can read."""
        path.unlink(missing_ok=True)
        path.touch(mode=0o600)
        self._own(path)
        path.write_text(text)

    def _initdb(self) -> None:
        assert self.run_dir is not None
        password = secrets.token_urlsafe(24)
        given = self.run_dir / "password"
        self._write(given, password + "\n")
        try:
            self._run(
                ["initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--encoding=utf8"]
                + ["--auth=scram-sha-256", f"--pwfile={given}"]
            )
        finally:
            given.unlink()
        self._write(self.data_dir / PASSWORD_FILE, password + "\n")

    def _set_password(self) -> None:
        """Set a new superuser password with the server stopped (single-user mode: no
        connection, so no window in which the old `trust` rule lets anyone in)."""
        assert self.run_dir is not None
        password = secrets.token_urlsafe(24)
        single = ["postgres", "--single", "-D", str(self.data_dir), "postgres"]
        self._run(single, input=f"ALTER ROLE {SUPERUSER} PASSWORD '{password}';\n")
        self._write(self.data_dir / PASSWORD_FILE, password + "\n")

    def _binaries_reachable(self) -> None:
        """The wheel's programs, or a copy of them the server's user can run (root: a wheel
        installed under a folder closed to other users, such as /root)."""
        if self.user is None:
            return
        try:
            self._run(["postgres", "--version"])
        except (PermissionError, subprocess.CalledProcessError):
            assert self.run_dir is not None
            site = self.bin.parents[2]  # bin's libraries are in ../../../pgserver.libs (rpath)
            copy = self.run_dir / "wheel"
            for part in ("bin", "lib", "share"):
                shutil.copytree(self.bin.parent / part, copy / "pgserver/pginstall" / part)
            shutil.copytree(site / "pgserver.libs", copy / "pgserver.libs")
            for folder, _, files in os.walk(copy):
                for path in [folder, *(os.path.join(folder, name) for name in files)]:
                    self._own(Path(path))
            self.bin = copy / "pgserver/pginstall/bin"

    def _check_reachable(self) -> None:
        if self.user is None:
            return
        try:
            self._as_user(["test", "-x", str(self.data_dir)])
        except subprocess.CalledProcessError:
            raise PermissionError(
                f"PostgreSQL runs as {self.user.pw_name} (started by root), which cannot reach "
                f"{self.data_dir}: a folder above it is closed to other users, and is left so."
                " Give a data folder that user can reach (under /var/tmp, say)."
            ) from None

    @property
    def socket_dir(self) -> str:
        assert self.run_dir is not None, "the server is not running"
        return str(self.run_dir)

    def url(self, database: str = "postgres", driver: str = "postgresql+asyncpg") -> str:
        """The URL of one database, for the app (asyncpg) or for psycopg (`postgresql`)."""
        return f"{driver}://{SUPERUSER}:{self.password}@/{database}?host={self.socket_dir}"

    def create_database(self, name: str) -> str:
        """A new, empty database; its asyncpg URL."""
        import psycopg
        from psycopg import sql

        if not DATABASE_NAME.match(name):
            raise ValueError(f"not a plain database name: {name!r}")
        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        with psycopg.connect(self.url(driver="postgresql"), autocommit=True) as connection:
            connection.execute(create)
        return self.url(name)

    def ensure_database(self, name: str) -> str:
        """The database `name`, created if it does not exist yet; its asyncpg URL."""
        import psycopg

        with psycopg.connect(self.url("postgres", driver="postgresql")) as connection:
            found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if found.fetchone() is None:
                return self.create_database(name)
        return self.url(name)


def ensure_system_user() -> str:
    """The system user PostgreSQL runs as under root (pgserver's own helper makes it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver.utils import ensure_user_exists

    ensure_user_exists(SYSTEM_USER)
    return SYSTEM_USER


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
        shown = server.url("demo_app").replace(server.password, "*****")
        print(f"PostgreSQL {shown} (data in {args.data})", flush=True)
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
