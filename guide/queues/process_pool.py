"""A process pool owned by the lifespan, for work that needs a CPU of its own (here the
same email, to keep the comparison fair). `submit` returns at once; shutdown waits.

    SMTP_PORT=1025 uvicorn guide.queues.process_pool:app
"""

import logging
import multiprocessing
from collections.abc import AsyncIterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from guide.queues.welcome import Signup, send_welcome, users

logger = logging.getLogger(__name__)


def log_failure(future: Future[None]) -> None:
    if not future.cancelled() and (error := future.exception()):
        logger.error("job failed in the pool", exc_info=error)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, ProcessPoolExecutor]]:
    spawn = multiprocessing.get_context("spawn")  # not fork: the server runs threads
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        yield {"pool": pool}  # leaving the block waits for the submitted jobs


app = FastAPI(lifespan=lifespan)


@app.post("/register", status_code=201)
async def register(signup: Signup, request: Request) -> dict[str, str]:
    users[signup.username] = signup.email
    request.state.pool.submit(send_welcome, signup.email).add_done_callback(log_failure)
    return {"username": signup.username}
