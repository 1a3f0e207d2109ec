"""Mode 7: the same route on Taskiq (asyncio-native) with a Redis list as its queue.

The route awaits `.kiq()`, which only pushes the message; a worker process
(`taskiq worker bench.costs.taskiq_app:broker`) sends the email with aiosmtplib.

    REDIS_URL=redis://127.0.0.1:6379/0 SMTP_PORT=1025 uvicorn bench.costs.taskiq_app:app
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from taskiq_redis import ListQueueBroker

from bench.costs.apps import Signup, ping, ping_sync, register, send_async

broker = ListQueueBroker(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))


@broker.task
async def send_welcome(to: str) -> None:
    await send_async(to)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await broker.startup()
    yield
    await broker.shutdown()


app = FastAPI(lifespan=lifespan)
app.get("/ping")(ping)
app.get("/ping-sync")(ping_sync)


@app.post("/taskiq", status_code=201)
async def taskiq_route(signup: Signup) -> dict[str, str]:
    await send_welcome.kiq(signup.email)
    return register(signup)
