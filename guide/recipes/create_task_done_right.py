"""How do I use `asyncio.create_task` for work after the response, without losing it?

Keep a reference: the event loop holds tasks only weakly, so a task nobody refers to can
be garbage-collected mid-run. Put each one in a set, and let a done-callback remove it and
log its exception (nothing else would). On shutdown the lifespan waits a bounded time,
then cancels what is left. Unlike `add_task`, the work starts at once, beside the endpoint.

Measured: a task nobody refers to is collected mid-run. On real uvicorn: the response
comes before the task ends; a failing task is logged by the callback; on SIGTERM a running
task is waited for, and one past the grace is cancelled.
"""

import asyncio
import logging
from collections.abc import Coroutine
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

logger = logging.getLogger("uvicorn.error")
running: set[asyncio.Task[None]] = set()
GRACE_SECONDS = 2.0


def finished(task: asyncio.Task[None]) -> None:
    running.discard(task)
    if task.cancelled():
        logger.warning("task %s cancelled", task.get_name())
    elif task.exception() is not None:
        logger.error("task %s failed", task.get_name(), exc_info=task.exception())


def spawn(job: Coroutine[Any, Any, None], name: str) -> None:
    task = asyncio.create_task(job, name=name)
    running.add(task)
    task.add_done_callback(finished)


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield
    if running:
        _, pending = await asyncio.wait(running, timeout=GRACE_SECONDS)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


app = FastAPI(lifespan=lifespan)


async def export_report(rows: int) -> None:
    if rows == 0:
        raise ValueError("no rows to export")
    await asyncio.sleep(rows / 100)
    logger.info("report of %s rows exported", rows)


@app.post("/reports")
async def start_export(rows: int):
    spawn(export_report(rows), name=f"export-{rows}")
    return {"running": len(running)}
