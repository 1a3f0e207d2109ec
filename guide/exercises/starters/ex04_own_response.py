"""Exercise 4: return your own response and keep the request's tasks."""

from fastapi import BackgroundTasks, FastAPI
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask

app = FastAPI()


def send_welcome(name: str) -> None:
    print(f"{name}: welcome email sent", flush=True)


def write_audit(name: str) -> None:
    print(f"{name}: audit written", flush=True)


@app.post("/signup/{name}")
async def signup(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_welcome, name)
    # YOUR TURN: the welcome email is never sent, and nothing says so: this response's
    # own background= replaces the tasks added above. Keep returning a JSONResponse, and
    # have both tasks run after it: the email first, then the audit.
    return JSONResponse({"name": name}, background=BackgroundTask(write_audit, name))
