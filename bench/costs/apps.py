"""One app, a route per standalone way of sending the welcome email (modes 1-4), and a
route that sends none (the baseline). The unrelated endpoints: `GET /ping` (`async def`)
and `GET /ping-sync` (`def`, so it needs a thread of AnyIO's pool).

    SMTP_PORT=1025 uvicorn bench.costs.apps:app
"""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage

import aiosmtplib
from fastapi import BackgroundTasks, FastAPI
from pydantic import BaseModel

SMTP_HOST = "127.0.0.1"
SMTP_PORT = int(os.environ.get("SMTP_PORT", "1025"))

app = FastAPI()
users: dict[str, str] = {}  # the "database": username -> email


class Signup(BaseModel):
    username: str
    email: str


def welcome(to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "noreply@bench.example", to, "Welcome"
    message.set_content("Thanks for signing up.")
    return message


def send_blocking(to: str) -> None:
    with smtplib.SMTP(SMTP_HOST, SMTP_PORT, timeout=60) as smtp:
        smtp.send_message(welcome(to))


async def send_async(to: str) -> None:
    await aiosmtplib.send(welcome(to), hostname=SMTP_HOST, port=SMTP_PORT, timeout=60)


async def send_blocking_in_async(to: str) -> None:  # the mistake: blocks the event loop
    send_blocking(to)


def register(signup: Signup) -> dict[str, str]:
    users[signup.username] = signup.email
    return {"username": signup.username}


@app.post("/no-task", status_code=201)  # the baseline: the same work, no email
async def no_task(signup: Signup) -> dict[str, str]:
    return register(signup)


@app.post("/inline", status_code=201)  # 1: the client waits for the mail server
async def inline(signup: Signup) -> dict[str, str]:
    await send_async(signup.email)
    return register(signup)


@app.post("/def-task", status_code=201)  # 2: smtplib in a thread of AnyIO's pool
async def def_task(signup: Signup, background_tasks: BackgroundTasks) -> dict[str, str]:
    background_tasks.add_task(send_blocking, signup.email)
    return register(signup)


@app.post("/async-task", status_code=201)  # 3: aiosmtplib on the event loop
async def async_task(signup: Signup, background_tasks: BackgroundTasks) -> dict[str, str]:
    background_tasks.add_task(send_async, signup.email)
    return register(signup)


@app.post("/blocking-task", status_code=201)  # 4: async def, one blocking call
async def blocking_task(signup: Signup, background_tasks: BackgroundTasks) -> dict[str, str]:
    background_tasks.add_task(send_blocking_in_async, signup.email)
    return register(signup)


@app.get("/ping")
async def ping() -> dict[str, bool]:
    return {"ok": True}


@app.get("/ping-sync")
def ping_sync() -> dict[str, bool]:
    return {"ok": True}
