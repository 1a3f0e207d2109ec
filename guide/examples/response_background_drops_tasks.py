"""A response's own `background=` replaces the tasks added to the injected `BackgroundTasks`."""

from fastapi import BackgroundTasks, FastAPI
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask

app = FastAPI()


def send_welcome(name: str) -> None:
    print(f"{name}: welcome email sent", flush=True)


def write_audit(name: str) -> None:
    print(f"{name}: audit written", flush=True)


@app.post("/wrong/{name}")
async def signup_wrong(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_welcome, name)  # silently dropped
    return JSONResponse({"name": name}, background=BackgroundTask(write_audit, name))


@app.post("/right/{name}")
async def signup_right(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_welcome, name)
    background_tasks.add_task(write_audit, name)
    return JSONResponse({"name": name}, background=background_tasks)
