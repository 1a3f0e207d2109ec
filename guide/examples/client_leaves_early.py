"""A client that leaves before its response stops neither the endpoint nor its tasks."""

import asyncio

from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


def write_report(name: str) -> None:
    print(f"report {name}: task done", flush=True)


@app.post("/reports/{name}")
async def create_report(name: str, background_tasks: BackgroundTasks):
    print(f"report {name}: endpoint started", flush=True)
    await asyncio.sleep(0.5)  # slow work; the client is gone before it ends
    background_tasks.add_task(write_report, name)
    print(f"report {name}: endpoint done", flush=True)
    return {"report": name}
