"""Why does my request's trace span not include the background task's time?

The request's span ends when the response has been sent, before the tasks start: its
length is what the client waited. With FastAPI's telemetry on (a tracer provider), each
task gets a `fastapi.background_task` span of its own, a child of the request's span, so
the whole trace, from the request's start to its last task's end, holds both.

Measured: with a 0.5 s task, the request's span ends before the task's span starts, the
task's span (the request's child) lasts at least 0.5 s, and the trace spans both.
"""

import asyncio

from fastapi import BackgroundTasks, FastAPI
from opentelemetry.trace import TracerProvider


async def resize_photos(album_id: int) -> None:
    await asyncio.sleep(0.5)  # the slow part, after the response


def create_app(tracer_provider: TracerProvider | None = None) -> FastAPI:
    app = FastAPI(telemetry={"tracer_provider": tracer_provider})  # None: the global one

    @app.post("/albums/{album_id}/photos")
    async def upload_photos(album_id: int, background_tasks: BackgroundTasks):
        background_tasks.add_task(resize_photos, album_id)
        return {"album_id": album_id}

    return app


app = create_app()
