"""Exercise 4, wrong: both tasks run after the response, but the audit first."""

from fastapi import BackgroundTasks, FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()


def send_welcome(name: str) -> None:
    print(f"{name}: welcome email sent", flush=True)


def write_audit(name: str) -> None:
    print(f"{name}: audit written", flush=True)


@app.post("/signup/{name}")
async def signup(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(write_audit, name)
    background_tasks.add_task(send_welcome, name)
    return JSONResponse({"name": name}, background=background_tasks)  # the same list
