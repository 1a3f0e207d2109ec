"""guide.queues.task_group without its guard: each job started straight in the group."""

from fastapi import FastAPI, Request

from guide.queues.task_group import lifespan
from guide.queues.welcome import Signup, send_welcome_async, users

app = FastAPI(lifespan=lifespan)


@app.post("/register", status_code=201)
async def register(signup: Signup, request: Request) -> dict[str, str]:
    users[signup.username] = signup.email
    request.state.jobs.start_soon(send_welcome_async, signup.email)
    return {"username": signup.username}
