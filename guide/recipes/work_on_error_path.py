"""How do I run a task when the endpoint fails (the tasks I added are dropped)?

Tasks travel with a successful response: when the endpoint raises, the ones it added
are never run. Raise your own exception, and let its handler return a response that
carries the task (`background=`); or do the work in the endpoint's `try/except` itself.

Measured: the task added before the raise never runs; the handler's task runs after the
402 is sent, with the order id from the exception.
"""

from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask

app = FastAPI()
log: list[str] = []


class PaymentFailed(Exception):
    def __init__(self, order_id: int) -> None:
        self.order_id = order_id


def record(event: str) -> None:
    log.append(event)


@app.exception_handler(PaymentFailed)
async def payment_failed(request: Request, error: PaymentFailed):
    task = BackgroundTask(record, f"order {error.order_id}: payment failed, customer told")
    return JSONResponse({"detail": "payment failed"}, status_code=402, background=task)


@app.post("/orders/{order_id}")
async def place_order(order_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(record, f"order {order_id}: confirmation sent")  # dropped
    raise PaymentFailed(order_id)
