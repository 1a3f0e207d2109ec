"""A raising task closes its connection: a request already sent on it gets no response."""

import asyncio

from fastapi import BackgroundTasks, FastAPI

app = FastAPI()
report_started = asyncio.Event()  # here only to make the timing certain for the demo


async def charge_card(order_id: int) -> None:
    await report_started.wait()  # in production: whatever is in flight when it fails
    raise RuntimeError(f"order {order_id}: payment service unavailable")


async def charge_card_slowly(order_id: int) -> None:  # fails a moment after the response
    await asyncio.sleep(0.3)
    raise RuntimeError(f"order {order_id}: payment service unavailable")


@app.post("/orders/{order_id}")
async def place_order(order_id: int, background_tasks: BackgroundTasks):
    report_started.clear()
    background_tasks.add_task(charge_card, order_id)
    return {"order_id": order_id, "status": "accepted"}


@app.post("/slow-orders/{order_id}")
async def place_slow_order(order_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(charge_card_slowly, order_id)
    return {"order_id": order_id, "status": "accepted"}


@app.get("/reports/{name}")
async def report(name: str):  # the next request on the same connection
    print(f"report {name}: started", flush=True)
    report_started.set()
    await asyncio.sleep(1.0)  # a slow query
    print(f"report {name}: done", flush=True)
    return {"report": name}
