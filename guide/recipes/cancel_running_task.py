"""How do I cancel a background task that is already running?

`BackgroundTasks` gives you no handle, so make one: the task runs inside an AnyIO
`CancelScope` kept under the job's id, and `DELETE /imports/{id}` cancels that scope. The
cancellation lands at the task's next `await`, and its `finally` still runs. For a
`def` task, check a `threading.Event` between steps instead.

Measured (real uvicorn): a 20-step import cancelled after a few steps stops within a
step, runs its cleanup, and the server keeps serving; an unknown id is 404.
"""

import anyio
from fastapi import BackgroundTasks, FastAPI, HTTPException

app = FastAPI()
running: dict[int, anyio.CancelScope] = {}


async def import_contacts(import_id: int, steps: int) -> None:
    with anyio.CancelScope() as scope:
        running[import_id] = scope
        try:
            for step in range(steps):
                await anyio.sleep(0.2)  # one batch of contacts
                print(f"import {import_id}: batch {step + 1} of {steps}", flush=True)
        finally:
            del running[import_id]
            print(f"import {import_id}: cleaned up, cancelled={scope.cancel_called}", flush=True)


@app.post("/imports/{import_id}", status_code=202)
async def start_import(import_id: int, background_tasks: BackgroundTasks, steps: int = 20):
    background_tasks.add_task(import_contacts, import_id, steps)
    return {"import_id": import_id}


@app.delete("/imports/{import_id}")
async def cancel_import(import_id: int):
    if import_id not in running:
        raise HTTPException(404, "no running import")
    running[import_id].cancel()
    return {"cancelled": import_id}
