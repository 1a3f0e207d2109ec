"""Which context variables a task sees depends on where they were set.

Set in middleware or in `async def` code, a task sees the value. Set in a `def` endpoint
or a `def` dependency, it does not: that code ran in a worker thread, in a copy of the
request's context, and the copy is thrown away when the thread's call returns."""

from contextvars import ContextVar

from fastapi import BackgroundTasks, Depends, FastAPI

app = FastAPI()

tenant: ContextVar[str] = ContextVar("tenant", default="unset")


async def report(where: str) -> None:
    print(f"set in {where}, the task sees tenant={tenant.get()}", flush=True)


async def async_dependency() -> None:
    tenant.set("acme")


def def_dependency() -> None:  # runs in a worker thread
    tenant.set("acme")


@app.post("/async-endpoint")
async def in_async_endpoint(background_tasks: BackgroundTasks):
    tenant.set("acme")
    background_tasks.add_task(report, "an async def endpoint")
    return {}


@app.post("/def-endpoint")
def in_def_endpoint(background_tasks: BackgroundTasks):  # runs in a worker thread
    tenant.set("acme")
    background_tasks.add_task(report, "a def endpoint")
    return {}


@app.post("/async-dependency", dependencies=[Depends(async_dependency)])
async def in_async_dependency(background_tasks: BackgroundTasks):
    background_tasks.add_task(report, "an async def dependency")
    return {}


@app.post("/def-dependency", dependencies=[Depends(def_dependency)])
async def in_def_dependency(background_tasks: BackgroundTasks):
    background_tasks.add_task(report, "a def dependency")
    return {}


@app.get("/tenant")
async def read_tenant():  # sets nothing: what does a new request see?
    return {"tenant": tenant.get()}
