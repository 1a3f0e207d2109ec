"""FastAPI's `max_body_size` limits the request body for the whole app
(`FastAPI(max_body_size=...)`) and, overriding it, for one route (or router). A body over
the limit gets 413 and no task runs, whether the client declared its Content-Length, sent
it chunked, or uploaded a multipart file; a body within the limit is accepted."""

import httpx
import pytest

from guide.examples import body_limit as example

CLAIM = "max-body-size"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=example.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def note_of(size: int) -> bytes:
    """A JSON note of exactly `size` bytes."""
    frame = b'{"text": ""}'
    return frame[:-2] + b"a" * (size - len(frame)) + frame[-2:]


async def test_a_body_within_the_limit_is_accepted(client, capsys):
    response = await client.post("/notes", content=note_of(example.JSON_LIMIT), headers=JSON)
    assert response.status_code == 200
    assert "note: 1 words" in capsys.readouterr().out


async def test_a_declared_content_length_over_the_limit_is_413(client, capsys):
    body = note_of(example.JSON_LIMIT + 1)
    response = await client.post("/notes", content=body, headers=JSON)
    assert response.request.headers["content-length"] == str(len(body))
    assert response.status_code == 413
    assert "words" not in capsys.readouterr().out  # the endpoint never ran: no task


async def test_a_chunked_body_is_counted_as_it_arrives(client, capsys):
    body = note_of(example.JSON_LIMIT * 4)

    async def chunks():
        for start in range(0, len(body), 100):
            yield body[start : start + 100]

    response = await client.post("/notes", content=chunks(), headers=JSON)
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413
    assert "words" not in capsys.readouterr().out


async def test_a_route_limit_overrides_the_apps_and_counts_multipart(client, capsys):
    small = b"word " * (example.UPLOAD_LIMIT // 10)  # well past the app's 1 KiB
    response = await client.post("/uploads", files={"file": ("a.txt", small, "text/plain")})
    assert response.status_code == 200
    assert f"upload: {example.UPLOAD_LIMIT // 10} words" in capsys.readouterr().out

    large = b"word " * (example.UPLOAD_LIMIT // 5 + 1)  # the file alone is over the limit
    response = await client.post("/uploads", files={"file": ("a.txt", large, "text/plain")})
    assert response.status_code == 413
    assert "words" not in capsys.readouterr().out
