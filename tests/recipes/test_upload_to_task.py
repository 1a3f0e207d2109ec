import asyncio

import pytest
from fastapi import FastAPI, UploadFile

from guide.recipes import upload_to_task as recipe
from tests.recipes.conftest import asgi


async def test_the_task_gets_the_saved_copy_and_deletes_it(monkeypatch, tmp_path):
    monkeypatch.setattr(recipe, "UPLOAD_DIR", tmp_path)
    async with asgi(recipe.app) as client:
        response = await client.post(
            "/uploads", files={"file": ("../../etc/evil.csv", b"a,b\n1,2\n3,4\n")}
        )
    upload_id = response.json()["upload_id"]
    assert recipe.line_counts[upload_id] == 3
    assert list(tmp_path.iterdir()) == []  # deleted by the task
    assert not (tmp_path.parent.parent / "etc").exists()


async def test_an_upload_file_is_closed_for_work_that_outlives_the_request():
    app = FastAPI()
    later: list[asyncio.Task[bytes]] = []

    async def read_later(file: UploadFile) -> bytes:
        await asyncio.sleep(0.1)  # the response has gone by now
        return await file.read()

    @app.post("/uploads")
    async def upload(file: UploadFile):
        later.append(asyncio.create_task(read_later(file)))
        return {}

    async with asgi(app) as client:
        await client.post("/uploads", files={"file": ("a.csv", b"a,b\n")})
    with pytest.raises(ValueError, match="I/O operation on closed file"):
        await later[0]


async def test_on_this_release_an_add_task_task_can_still_read_the_upload_file():
    from fastapi import BackgroundTasks

    app = FastAPI()
    read: list[bytes] = []

    async def read_it(file: UploadFile) -> None:
        read.append(await file.read())

    @app.post("/uploads")
    async def upload(file: UploadFile, background_tasks: BackgroundTasks):
        background_tasks.add_task(read_it, file)
        return {}

    async with asgi(app) as client:
        await client.post("/uploads", files={"file": ("a.csv", b"a,b\n")})
    assert read == [b"a,b\n"]  # closed only after the tasks: not a promise to build on
