"""Celery on Redis: the route puts a message on the queue; a worker process sends the email.

REDIS_URL=redis://127.0.0.1:6379/0 SMTP_PORT=1025 celery -A guide.queues.celery_app worker
REDIS_URL=redis://127.0.0.1:6379/0 uvicorn guide.queues.celery_app:app
"""

import os

from celery import Celery
from fastapi import FastAPI

from guide.queues.welcome import Signup, send_welcome, users

celery = Celery(broker=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))


@celery.task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_welcome_email(to: str) -> None:
    send_welcome(to)


app = FastAPI()


@app.post("/register", status_code=201)
def register(signup: Signup) -> dict[str, str]:  # def: .delay() is a blocking call to Redis
    users[signup.username] = signup.email
    send_welcome_email.delay(signup.email)
    return {"username": signup.username}
