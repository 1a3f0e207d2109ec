"""How do I log a failing task's traceback, and still run the request's other tasks?

Wrap each task in `log_errors`: it catches the exception, logs it with its traceback under
your own logger, and returns normally, so Starlette goes on to the next task. Without it,
a raising task stops the tasks queued after it in that response.

Measured: the failing task's traceback is logged by `tasks`, and the task after it runs.
"""

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec

from fastapi import BackgroundTasks, FastAPI
from starlette.concurrency import run_in_threadpool

P = ParamSpec("P")
logger = logging.getLogger("tasks")
app = FastAPI()


def log_errors(func: Callable[P, Any]) -> Callable[P, Awaitable[None]]:
    @functools.wraps(func)
    async def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            if inspect.iscoroutinefunction(func):
                await func(*args, **kwargs)
            else:  # a `def` task still runs in the thread pool, as add_task would run it
                await run_in_threadpool(func, *args, **kwargs)
        except Exception:
            logger.exception("task %s failed", func.__name__)

    return run


def charge_card(order_id: int) -> None:
    raise ConnectionError(f"order {order_id}: payment service unavailable")


async def send_receipt(order_id: int) -> None:
    logger.info("order %s: receipt sent", order_id)


@app.post("/orders/{order_id}")
def place_order(order_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(log_errors(charge_card), order_id)
    background_tasks.add_task(log_errors(send_receipt), order_id)
    return {"order_id": order_id}
