"""Body limits hold before auth.

40 MB of JSON to /auth/register was parsed (+110 MB of memory); a 200 MiB chunked upload
with no token was spooled to disk in full, then refused with 401. FastAPI's
`max_body_size` (64 KiB for the JSON API, MAX_UPLOAD_BYTES plus the multipart frame on the
upload route) counts bytes as they arrive, so both stop at 413 after the limit is read.
"""

from __future__ import annotations

import select
import socket

import anyio
import httpx
import pytest

from demo_app.lesson.uploads import MULTIPART_OVERHEAD
from demo_app.main import MAX_JSON_BODY
from demo_app.models import Upload, User
from guide.live import FAST_HASHING, PASSWORD, demo_stack
from tests.demo_app.support import rows, user_headers

MiB = 1024 * 1024


class CountingApp:
    """The app, counting the body bytes it asked the server for."""

    def __init__(self, app):
        self.app, self.received = app, 0

    async def __call__(self, scope, receive, send):
        async def counted():
            message = await receive()
            self.received += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)


MULTIPART = {"Content-Type": "multipart/form-data; boundary=b"}
PART_HEAD = (
    b"--b\r\nContent-Disposition: form-data; name=file; filename=big.txt\r\n"
    b"Content-Type: text/plain\r\n\r\n"
)


def chunks(total: int, size: int = 64 * 1024, head: bytes = b""):
    sent = 0
    if head:
        yield head
    while sent < total:
        yield b"x" * size
        sent += size


async def streamed(total: int, head: bytes = b""):
    """A body with no Content-Length (chunked), pulled by the app as it reads."""
    for chunk in chunks(total, head=head):
        yield chunk


@pytest.fixture
async def counting(app):
    counter = CountingApp(app)
    transport = httpx.ASGITransport(app=counter)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client, counter


async def test_an_oversized_json_body_is_413_before_it_is_parsed(counting):
    client, counter = counting
    padding = "x" * (2 * MiB)
    payload = {"username": "big", "email": "big@example.com", "password": PASSWORD, "p": padding}
    response = await client.post("/api/v1/auth/register", json=payload)
    assert response.status_code == 413, response.text
    assert counter.received == 0  # refused from Content-Length: not a byte was read
    assert await rows(User) == []
    # The same body, chunked (no Content-Length): read only up to the limit, then 413.
    counter.received = 0
    response = await client.post(
        "/api/v1/auth/register",
        content=streamed(2 * MiB),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert counter.received <= MAX_JSON_BODY + 64 * 1024
    # A normal body still works, and so do the other JSON routes.
    normal = {"username": "ann", "email": "ann@example.com", "password": PASSWORD}
    assert (await client.post("/api/v1/auth/register", json=normal)).status_code == 201


async def test_an_anonymous_oversized_upload_is_413_not_spooled_then_401(counting, env):
    client, counter = counting
    limit = int(env.get("MAX_UPLOAD_BYTES", 1_048_576))
    response = await client.post(
        "/api/v1/uploads",
        content=streamed(20 * MiB, PART_HEAD),
        headers=MULTIPART,
    )
    assert response.status_code == 413
    assert counter.received <= limit + MULTIPART_OVERHEAD + 64 * 1024
    folder = anyio.Path(env["UPLOAD_DIR"])
    assert not await folder.exists() or [p async for p in folder.iterdir()] == []
    assert await rows(Upload) == []


async def test_an_upload_up_to_the_limit_is_still_accepted(client, env):
    """The route's limit is the upload limit plus the multipart frame, not the JSON one."""
    headers = await user_headers(client, "john")
    content = b"word " * (200 * 1024 // 5)  # 200 KiB: over the JSON limit, under the upload one
    files = {"file": ("notes.txt", content, "text/plain")}
    response = await client.post("/api/v1/uploads", files=files, headers=headers)
    assert response.status_code == 202, response.text
    [upload] = await rows(Upload)
    assert upload.size_bytes == len(content)


@pytest.mark.live
def test_on_a_real_server_a_chunked_upload_without_a_token_stops_at_the_limit():
    """200 MiB streamed with no Content-Length and no token: 413 after about 1 MiB.

    A raw socket, so the test sees when the answer comes: it keeps sending 256 KiB chunks
    and stops as soon as the server has replied (before, the reply was a 401 after all
    200 MiB had been spooled to disk).
    """
    chunk = b"x" * (256 * 1024)
    with demo_stack(FAST_HASHING) as stack:
        host, port = stack.url.removeprefix("http://").split(":")
        sent = 0
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            head = (
                f"POST /api/v1/uploads HTTP/1.1\r\nHost: {host}\r\n"
                "Content-Type: multipart/form-data; boundary=b\r\n"
                "Transfer-Encoding: chunked\r\n\r\n"
            ).encode()
            sock.sendall(head + b"%x\r\n%s\r\n" % (len(PART_HEAD), PART_HEAD))
            reply = b""
            try:
                while sent < 200 * MiB:
                    if select.select([sock], [], [], 0)[0]:
                        break  # the server has answered
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                reply = sock.recv(4096)
            except (BrokenPipeError, ConnectionResetError):  # closed once it had answered
                reply = reply or b""
    print(f"sent {sent / MiB:.1f} MiB before the server answered: {reply[:40]!r}")
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert sent < 20 * MiB, sent
