"""Exercise 6, wrong: the error is printed, its traceback lost."""

import logging
from collections.abc import Callable

from fastapi import BackgroundTasks, FastAPI

app = FastAPI()
logger = logging.getLogger("uvicorn.error")  # uvicorn's logger: printed like its own lines


def notify_warehouse(order_id: int) -> None:  # leave as it is: the warehouse's API is down
    print(f"order {order_id}: notifying the warehouse", flush=True)
    raise ConnectionError(f"order {order_id}: warehouse API unavailable")


def send_receipt(order_id: int) -> None:
    print(f"order {order_id}: receipt sent", flush=True)


def logged(task: Callable[[int], None], order_id: int) -> None:
    """Run one task; a failure is logged with its traceback and stops only this task."""
    try:
        task(order_id)
    except Exception as error:
        print(error)


@app.post("/orders/{order_id}")
def place_order(order_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(logged, notify_warehouse, order_id)
    background_tasks.add_task(logged, send_receipt, order_id)
    return {"order_id": order_id, "status": "accepted"}
