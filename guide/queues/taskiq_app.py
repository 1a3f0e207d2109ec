"""Taskiq on Redis: asyncio end to end; `.kiq()` is awaited in the route, the worker runs
the `async def` task on its event loop.

    REDIS_URL=redis://127.0.0.1:6379/0 SMTP_PORT=1025 taskiq worker guide.queues.taskiq_app:broker
    REDIS_URL=redis://127.0.0.1:6379/0 uvicorn guide.queues.taskiq_app:app
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from taskiq_redis import ListQueueBroker

from guide.queues.welcome import Signup, send_welcome_async, users

broker = ListQueueBroker(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))


@broker.task
async def send_welcome_email(to: str) -> None:
    await send_welcome_async(to)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await broker.startup()
    yield
    await broker.shutdown()


app = FastAPI(lifespan=lifespan)


@app.post("/register", status_code=201)
async def register(signup: Signup) -> dict[str, str]:
    users[signup.username] = signup.email
    await send_welcome_email.kiq(signup.email)
    return {"username": signup.username}
