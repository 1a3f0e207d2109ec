"""Exercise 1, wrong: the response goes first, but the email is never sent."""

import os
import time

from fastapi import BackgroundTasks, FastAPI

SEND_SECONDS = float(os.getenv("SEND_SECONDS", "1"))

app = FastAPI()


def send_welcome(name: str) -> None:
    time.sleep(SEND_SECONDS)
    print(f"welcome email sent to {name}", flush=True)


@app.post("/signup/{name}")
def signup(name: str, background_tasks: BackgroundTasks):
    return {"name": name}  # the send was deleted, not moved
