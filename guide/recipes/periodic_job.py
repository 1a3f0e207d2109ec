"""How do I run a job every few minutes, started with the app, without delaying start-up?

Start a loop in the lifespan with `asyncio.create_task` and `yield` at once: the app serves
while the loop sleeps. Catch the job's errors inside the loop, or one bad run ends it; cancel
and await the task on shutdown. A job that must run once across several server processes
belongs to a single scheduler (a queue's beat).

Measured: start-up completes before the first run; the job runs every interval; a run
that raises is logged and the next one still comes; after shutdown no run starts.
"""

import asyncio
import contextlib
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

logger = logging.getLogger("uvicorn.error")
INTERVAL_SECONDS = 300.0


async def purge_expired_sessions() -> None:
    logger.info("expired sessions purged")


async def every(seconds: float, job) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()
        except Exception:
            logger.exception("periodic job %s failed", job.__name__)


@asynccontextmanager
async def lifespan(app: FastAPI):
    loop = asyncio.create_task(every(INTERVAL_SECONDS, purge_expired_sessions))
    yield
    loop.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await loop


app = FastAPI(lifespan=lifespan)
