"""Streamed responses: the tasks run once the stream has ended, or at once when the client
goes away mid-stream."""

import asyncio
import os
import tempfile

from fastapi import BackgroundTasks, FastAPI
from fastapi.responses import FileResponse, StreamingResponse
from fastapi.sse import EventSourceResponse

CHUNK_SECONDS = float(os.getenv("CHUNK_SECONDS", "0.05"))

app = FastAPI()


def after(label: str) -> None:
    print(f"{label}: task ran", flush=True)


async def lines(label: str, count: int):
    """`count` lines, one every CHUNK_SECONDS; count 0: lines until the client leaves."""
    sent = 0
    try:
        while count == 0 or sent < count:
            yield f"line {sent}\n"
            sent += 1
            await asyncio.sleep(CHUNK_SECONDS)
        print(f"{label}: stream ended after {sent} lines", flush=True)
    except asyncio.CancelledError:
        print(f"{label}: stream cancelled after {sent} lines", flush=True)
        raise


@app.get("/stream/{label}")
async def stream(label: str, background_tasks: BackgroundTasks, count: int = 3):
    background_tasks.add_task(after, label)  # FastAPI attaches it to the StreamingResponse
    return StreamingResponse(lines(label, count), media_type="text/plain")


@app.get("/events/{label}", response_class=EventSourceResponse)
async def events(label: str, background_tasks: BackgroundTasks, count: int = 3):
    background_tasks.add_task(after, label)  # runs when the event stream is over
    async for line in lines(label, count):
        yield {"line": line.strip()}


@app.get("/exports/{name}")
def export(name: str, background_tasks: BackgroundTasks):  # def: file I/O, in a worker thread
    fd, path = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(fd, "w") as file:
        file.write(f"export,{name}\n" * 1000)
    background_tasks.add_task(os.remove, path)  # once the client has the whole file
    background_tasks.add_task(after, f"export {name}")
    return FileResponse(path, filename=f"{name}.csv", headers={"X-Export-Path": path})
