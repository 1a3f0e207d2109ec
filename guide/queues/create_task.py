"""`asyncio.create_task`, done right: a reference is kept until the task ends (the event
loop holds only a weak one), a failure is logged, and shutdown waits for running tasks.

    SMTP_PORT=1025 uvicorn guide.queues.create_task:app
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from guide.queues.welcome import Signup, send_welcome_async, users

logger = logging.getLogger(__name__)
running: set[asyncio.Task[None]] = set()


def forget(task: asyncio.Task[None]) -> None:
    running.discard(task)
    if not task.cancelled() and (error := task.exception()):
        logger.error("task %s failed", task.get_name(), exc_info=error)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    await asyncio.gather(*running, return_exceptions=True)  # shutdown: let them finish


app = FastAPI(lifespan=lifespan)


@app.post("/register", status_code=201)
async def register(signup: Signup) -> dict[str, str]:
    users[signup.username] = signup.email
    task = asyncio.create_task(send_welcome_async(signup.email), name=f"welcome {signup.email}")
    running.add(task)
    task.add_done_callback(forget)
    return {"username": signup.username}
