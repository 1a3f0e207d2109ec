"""An `UploadFile` handed to a task: whether it is still open when the task runs depends on
when FastAPI closes the request's files, which has moved between releases. Reading it in
the endpoint and giving the task the bytes (or a saved file's path) works on every one."""

from fastapi import BackgroundTasks, FastAPI, UploadFile

app = FastAPI()


async def count_bytes(file: UploadFile) -> None:
    try:
        print(f"task read {len(await file.read())} bytes", flush=True)
    except ValueError as error:  # the file is closed
        print(f"task could not read: {error}", flush=True)


def count_lines(data: bytes) -> None:
    lines = data.count(b"\n")
    print(f"task counted {lines} lines", flush=True)


@app.post("/uploads")
async def upload(file: UploadFile, background_tasks: BackgroundTasks):
    background_tasks.add_task(count_bytes, file)  # open or closed: up to the release
    return {"filename": file.filename}


@app.post("/uploads-read-first")
async def upload_read_first(file: UploadFile, background_tasks: BackgroundTasks):
    background_tasks.add_task(count_lines, await file.read())  # the bytes, read now
    return {"filename": file.filename}
