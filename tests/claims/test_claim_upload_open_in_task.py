"""An `UploadFile` passed to a background task can still be read there: FastAPI closes
the request's files only once the response and its tasks are done (an exit stack that
its middleware owns). The release table shows where that held; the content read in the
endpoint and passed on is the same on every release."""

import httpx
import pytest

from guide.examples import upload_to_task as example

CLAIM = "upload-open-in-task"
FILE = {"file": ("notes.txt", b"one\ntwo\nthree\n")}


@pytest.mark.parametrize(
    ("path", "printed"),
    [("/uploads", "task read 14 bytes"), ("/uploads-read-first", "task counted 3 lines")],
    ids=["upload-file", "bytes"],
)
async def test_a_task_can_read_the_upload(capsys, path, printed):
    transport = httpx.ASGITransport(app=example.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.post(path, files=FILE)).json() == {"filename": "notes.txt"}
    assert capsys.readouterr().out.splitlines() == [printed]
