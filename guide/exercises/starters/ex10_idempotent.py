"""Exercise 10: a task a queue may deliver twice must do its work once."""

import os
import sqlite3
from contextlib import closing

from fastapi import BackgroundTasks, FastAPI
from pydantic import BaseModel

DATABASE = os.getenv("INVOICES_DB", "invoices.db")


def database() -> sqlite3.Connection:
    return sqlite3.connect(DATABASE)


with closing(database()) as setup, setup:  # a table of keys, yours to use
    setup.execute("CREATE TABLE IF NOT EXISTS sent (key TEXT PRIMARY KEY)")

app = FastAPI()


def mail_server_send(order_id: int, text: str) -> None:  # leave as it is: the mail server
    print(f"mail server: invoice for order {order_id} delivered", flush=True)


# YOUR TURN: a queue delivers each message at least once. When a worker dies after sending
# but before acknowledging, the message comes again, maybe to a new process, and the
# customer gets a second invoice. Make a second run for the same order send nothing.
def send_invoice(order_id: int) -> None:
    mail_server_send(order_id, f"Invoice for order {order_id}")


class Message(BaseModel):
    order_id: int


def acknowledge(message: Message) -> None:  # leave: the queue forgets a message once acked
    print(f"queue: message for order {message.order_id} acknowledged", flush=True)


@app.post("/deliveries")
async def deliver(message: Message, background_tasks: BackgroundTasks):  # leave: the queue
    background_tasks.add_task(send_invoice, message.order_id)
    background_tasks.add_task(acknowledge, message)  # after the task: at least once
    return {"accepted": message.order_id}
