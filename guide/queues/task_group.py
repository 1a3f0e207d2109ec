"""A task group owned by the lifespan: jobs outlive their request, shutdown waits for them,
and each job is wrapped so that one that raises is logged instead of cancelling the others.

    SMTP_PORT=1025 uvicorn guide.queues.task_group:app
"""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request

from guide.queues.welcome import Signup, send_welcome_async, users

logger = logging.getLogger(__name__)


async def guarded(job: Callable[[str], Awaitable[None]], argument: str) -> None:
    try:
        await job(argument)
    except Exception:  # raised out of the group, it would cancel every job in it
        logger.exception("job %s(%r) failed", job.__name__, argument)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, anyio.abc.TaskGroup]]:
    async with anyio.create_task_group() as jobs:
        yield {"jobs": jobs}  # leaving the block waits for the running jobs


app = FastAPI(lifespan=lifespan)


@app.post("/register", status_code=201)
async def register(signup: Signup, request: Request) -> dict[str, str]:
    users[signup.username] = signup.email
    request.state.jobs.start_soon(guarded, send_welcome_async, signup.email)
    return {"username": signup.username}
