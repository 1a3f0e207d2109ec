"""A one-time admin for `python -m guide serve` in development, so /dashboard is in reach.

The dashboard shows its data to admins only. When the app serves its development default
(ENVIRONMENT unset or `development`; never `production` or `test`), `serve` registers
`admin-XXXXXX` with a random password as soon as the server answers, makes it an admin
with `python -m demo_app make-admin`, and prints the dashboard's address and the login.
At stop its admin rights are taken back: the password printed opens the dashboard for
this run only.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import threading
import time
from typing import Self

import httpx

API = "/api/v1"
UP_TIMEOUT = 60.0  # seconds for the server to answer: a first start migrates the schema


def in_development() -> bool:
    """Whether the demo app's settings (environment and .env) are the development default."""
    from demo_app.config import get_settings

    return get_settings().environment == "development"


def local_url(host: str, port: int) -> str:
    """Where this machine reaches a server listening on `host`."""
    if host in {"", "0.0.0.0", "::"}:
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class OneTimeAdmin:
    """An admin with a random password, made once the server at `url` answers."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.username = f"admin-{secrets.token_hex(3)}"
        self.password = secrets.token_urlsafe(12)
        self.made = threading.Event()
        self.stopping = threading.Event()

    def start(self) -> Self:
        threading.Thread(target=self._make, name="one-time-admin", daemon=True).start()
        return self

    def _make(self) -> None:
        if not self._wait_until_up():
            return
        user = {
            "username": self.username,
            "email": f"{self.username}@example.com",
            "password": self.password,
        }
        try:
            httpx.post(f"{self.url}{API}/auth/register", json=user, timeout=30).raise_for_status()
            make_admin(self.username)
        except (httpx.HTTPError, subprocess.CalledProcessError) as error:
            print(f"No admin for the dashboard was made: {describe(error)}", flush=True)
            return
        self.made.set()
        print(
            f"Dashboard: {self.url}/dashboard\n"
            f"  sign in as {self.username}, password {self.password}\n"
            "  (an admin for this run only: its rights end when the server stops;\n"
            "  a lasting one: register, then python -m demo_app make-admin USERNAME)",
            flush=True,
        )

    def _wait_until_up(self) -> bool:
        deadline = time.monotonic() + UP_TIMEOUT
        while not self.stopping.is_set() and time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/health", timeout=2)
                return True
            except httpx.HTTPError:  # not listening yet
                self.stopping.wait(0.2)
        return False

    def revoke(self) -> None:
        """Take the admin rights back (the account stays, an ordinary user)."""
        self.stopping.set()
        if not self.made.is_set():
            return
        try:
            make_admin(self.username, revoke=True)
        except subprocess.CalledProcessError as error:  # the database is gone, say
            print(f"{self.username} is still an admin: {describe(error)}", flush=True)


def make_admin(username: str, *, revoke: bool = False) -> None:
    """`python -m demo_app make-admin USERNAME`, on the same settings as the server."""
    command = [sys.executable, "-m", "demo_app", "make-admin", username]
    subprocess.run(command + (["--revoke"] if revoke else []), check=True, capture_output=True)


def describe(error: Exception) -> str:
    if isinstance(error, httpx.HTTPStatusError):
        return f"{error.response.status_code} {error.response.text[:200]}"
    if isinstance(error, subprocess.CalledProcessError):
        return (error.stderr or b"").decode(errors="replace").strip()[-200:] or str(error)
    return repr(error)
