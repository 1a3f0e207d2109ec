import os

import pytest

from demo_app.lesson.tasks import count_lines_and_words
from demo_app.lesson.uploads import display_name
from demo_app.models import TaskRun, Upload
from tests.demo_app.support import rows, user_headers

TEXT = "the quick brown fox\njumps over\n\nthe lazy dog"


async def upload(client, headers, name="notes.txt", content=TEXT.encode(), ctype="text/plain"):
    return await client.post(
        "/api/v1/uploads", files={"file": (name, content, ctype)}, headers=headers
    )


async def test_upload_is_accepted_then_processed(client, env):
    headers = await user_headers(client, "john")
    response = await upload(client, headers)
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] == "pending"
    result = (await client.get(accepted["status_url"], headers=headers)).json()
    assert (result["status"], result["line_count"], result["word_count"]) == ("done", 4, 9)
    assert result["filename"] == "notes.txt"


async def test_the_clients_filename_never_becomes_a_path(client, env):
    headers = await user_headers(client, "john")
    response = await upload(client, headers, name="../../../etc/cron.d/evil.txt")
    upload_id = response.json()["id"]
    assert os.listdir(env["UPLOAD_DIR"]) == [upload_id]
    [stored] = await rows(Upload)
    assert stored.filename == "evil.txt"


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../a.txt", "a.txt"),
        ("C:\\x\\b.txt", "b.txt"),
        ("", "upload.txt"),
        ("<x>.txt", "_x_.txt"),
    ],
)
def test_display_name_keeps_only_a_safe_last_part(given, shown):
    assert display_name(given) == shown


async def test_oversized_upload_is_413_and_leaves_nothing(client, env, monkeypatch):
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "1000")
    from demo_app.config import get_settings

    get_settings.cache_clear()
    headers = await user_headers(client, "john")
    response = await upload(client, headers, content=b"x" * 1001)
    assert response.status_code == 413
    assert "1000 bytes" in response.json()["detail"]
    assert os.listdir(env["UPLOAD_DIR"]) == []
    assert await rows(Upload) == [] and await rows(TaskRun, TaskRun.name == "process_upload") == []


async def test_binary_upload_is_415(client):
    headers = await user_headers(client, "john")
    response = await upload(client, headers, name="x.png", content=b"\x89PNG", ctype="image/png")
    assert response.status_code == 415


@pytest.mark.parametrize(
    "content",
    [b"caf\xe9\n", b"\x89PNG\r\n\x1a\n\0\0", b"text, then a NUL\0", b"ends mid-character \xc3"],
)
async def test_bytes_that_are_not_utf8_text_are_415_whatever_the_content_type(client, env, content):
    headers = await user_headers(client, "john")
    response = await upload(client, headers, content=content)  # declared text/plain
    assert response.status_code == 415 and "UTF-8" in response.json()["detail"]
    assert os.listdir(env["UPLOAD_DIR"]) == []
    assert await rows(Upload) == [] and await rows(TaskRun, TaskRun.name == "process_upload") == []


async def test_someone_elses_upload_is_404(client):
    john = await user_headers(client, "john")
    eve = await user_headers(client, "eve")
    url = (await upload(client, john)).json()["status_url"]
    assert (await client.get(url, headers=eve)).status_code == 404


@pytest.mark.parametrize("chunk_size", [1, 3, 7, 64 * 1024])
async def test_counting_is_the_same_whatever_the_chunk_size(tmp_path, chunk_size):
    path = tmp_path / "t.txt"
    path.write_text("héllo wörld\n  spaced   out words \nlast")
    assert await count_lines_and_words(path, chunk_size) == (3, 6)
