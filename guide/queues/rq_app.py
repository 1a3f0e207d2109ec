"""RQ on Redis: the route enqueues a plain function by its import path; the worker forks a
child process (a "work horse") for each job, which calls it. Retries after an interval
need the worker's scheduler (`--with-scheduler`).

    SMTP_PORT=1025 rq worker --with-scheduler --url redis://127.0.0.1:6379/0
    REDIS_URL=redis://127.0.0.1:6379/0 uvicorn guide.queues.rq_app:app
"""

import os

from fastapi import FastAPI
from redis import Redis
from rq import Queue, Retry

from guide.queues.welcome import Signup, send_welcome, users

queue = Queue(connection=Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")))
app = FastAPI()


@app.post("/register", status_code=201)
def register(signup: Signup) -> dict[str, str]:  # def: .enqueue() is a blocking call to Redis
    users[signup.username] = signup.email
    queue.enqueue(send_welcome, signup.email, retry=Retry(max=5, interval=[1, 5, 30]))
    return {"username": signup.username}
