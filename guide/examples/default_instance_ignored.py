"""FastAPI ignores a `BackgroundTasks()` default and injects a fresh object per request."""

from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


def send_welcome(name: str) -> None:
    print(f"welcome email to {name}", flush=True)


@app.post("/users/{name}")
async def create_user(
    name: str,
    background_tasks: BackgroundTasks = BackgroundTasks(),  # not needed: write `BackgroundTasks`
):
    background_tasks.add_task(send_welcome, name)
    return {"name": name, "queued_tasks": len(background_tasks.tasks)}
