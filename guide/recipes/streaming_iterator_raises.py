"""What happens to a streaming response's background task when the stream fails?

It never runs. A `StreamingResponse` runs its `background=` task only after the last
chunk; when the iterator raises midway, the server logs the error and cuts the
connection, and the client gets a truncated body. Put what must happen either way (an
audit line, releasing a lock, closing a cursor) in the iterator's `finally`.

Measured (real uvicorn): a complete stream runs the task and the `finally`; a stream
whose iterator raises after 100 rows gives a cut-off body, runs the `finally` (with the
error) and never the task.
"""

import asyncio

from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

app = FastAPI()


async def fetch_rows(count: int):
    for n in range(count):
        if n == 100:  # the database connection drops mid-export
            raise ConnectionError("database went away")
        await asyncio.sleep(0)
        yield f"{n},row {n}\n"


async def csv_lines(export_id: int, count: int):
    outcome = "failed"
    try:
        async for line in fetch_rows(count):
            yield line
        outcome = "complete"
    finally:  # runs on success, on error, and when the client goes away
        print(f"export {export_id}: finally, {outcome}", flush=True)


def mark_sent(export_id: int) -> None:
    print(f"export {export_id}: background task ran", flush=True)


@app.get("/exports/{export_id}")
async def export(export_id: int, rows: int):
    task = BackgroundTask(mark_sent, export_id)
    return StreamingResponse(csv_lines(export_id, rows), media_type="text/csv", background=task)
