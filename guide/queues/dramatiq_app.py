"""Dramatiq on Redis: the route sends a message; a worker process (threads) runs the actor.

REDIS_URL=redis://127.0.0.1:6379/0 SMTP_PORT=1025 dramatiq guide.queues.dramatiq_app
REDIS_URL=redis://127.0.0.1:6379/0 uvicorn guide.queues.dramatiq_app:app
"""

import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from fastapi import FastAPI

from guide.queues.welcome import Signup, send_welcome, users

dramatiq.set_broker(RedisBroker(url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")))


@dramatiq.actor(max_retries=5)
def send_welcome_email(to: str) -> None:
    send_welcome(to)


app = FastAPI()


@app.post("/register", status_code=201)
def register(signup: Signup) -> dict[str, str]:  # def: .send() is a blocking call to Redis
    users[signup.username] = signup.email
    send_welcome_email.send(signup.email)
    return {"username": signup.username}
