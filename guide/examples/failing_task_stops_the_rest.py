"""A task that raises stops the tasks queued after it; the client already got 200."""

from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


def save_order(order_id: int) -> None:
    print(f"order {order_id}: saved", flush=True)


def charge_card(order_id: int) -> None:
    raise RuntimeError(f"order {order_id}: payment service unavailable")


def send_receipt(order_id: int) -> None:
    print(f"order {order_id}: receipt sent", flush=True)  # never runs


@app.post("/orders/{order_id}")
def place_order(order_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(save_order, order_id)
    background_tasks.add_task(charge_card, order_id)
    background_tasks.add_task(send_receipt, order_id)
    return {"order_id": order_id, "status": "accepted"}
