"""arq on Redis: an asyncio queue; the worker runs `async def` jobs on its own event loop.

pip install arq   # an environment of its own: arq wants redis<6 (see docs/choosing.md)
REDIS_URL=redis://127.0.0.1:6379/0 SMTP_PORT=1025 arq guide.queues.arq_app.WorkerSettings
REDIS_URL=redis://127.0.0.1:6379/0 uvicorn guide.queues.arq_app:app
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from arq import ArqRedis, Retry, create_pool
from arq.connections import RedisSettings
from fastapi import FastAPI, Request

from guide.queues.welcome import Signup, send_welcome_async, users

REDIS = RedisSettings.from_dsn(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))


async def send_welcome_email(ctx: dict[str, Any], to: str) -> None:
    try:
        await send_welcome_async(to)
    except OSError as error:  # arq retries only a job that raises Retry
        raise Retry(defer=5 * ctx["job_try"]) from error


class WorkerSettings:  # what `arq guide.queues.arq_app.WorkerSettings` runs
    functions = [send_welcome_email]
    redis_settings = REDIS
    max_tries = 5


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, ArqRedis]]:
    redis = await create_pool(REDIS)
    yield {"redis": redis}
    await redis.aclose()


app = FastAPI(lifespan=lifespan)


@app.post("/register", status_code=201)
async def register(signup: Signup, request: Request) -> dict[str, str]:
    users[signup.username] = signup.email
    await request.state.redis.enqueue_job("send_welcome_email", signup.email)
    return {"username": signup.username}
