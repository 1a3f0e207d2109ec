"""Why do my tasks run again on every request?

A `BackgroundTasks()` made once, at module level, is one list for the whole process: each
request appends to it, and each response that carries it runs everything in it, the
earlier requests' tasks included. Declare `background_tasks: BackgroundTasks` as a
parameter instead: FastAPI gives each request a fresh one and runs it after the response.

Measured: three requests to the shared object send 1, then 2, then 3 receipts (six in
all, order 1's three times); the injected form sends one per request.
"""

from fastapi import BackgroundTasks, FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()
sent: list[str] = []
shared_tasks = BackgroundTasks()  # wrong: one list for every request


def send_receipt(order_id: int) -> None:
    sent.append(f"receipt {order_id}")


@app.post("/wrong/orders/{order_id}")
async def place_order_wrong(order_id: int):
    shared_tasks.add_task(send_receipt, order_id)
    return JSONResponse({"order_id": order_id}, background=shared_tasks)


@app.post("/orders/{order_id}")
async def place_order(order_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_receipt, order_id)
    return {"order_id": order_id}
