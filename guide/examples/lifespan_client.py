"""A shared `httpx.AsyncClient`, opened and closed by the lifespan, used by background tasks."""

import asyncio
import os
from contextlib import asynccontextmanager

import httpx
from fastapi import BackgroundTasks, FastAPI, Request

PARTNER_URL = os.getenv("PARTNER_URL", "http://127.0.0.1:8001")


# --8<-- [start:app]
@asynccontextmanager
async def lifespan(app: FastAPI):
    async with httpx.AsyncClient(base_url=PARTNER_URL, timeout=30) as client:
        app.state.http = client  # one connection pool for the whole process
        yield
        print("lifespan: closing the client", flush=True)
    print(f"lifespan: client closed: {client.is_closed}", flush=True)


app = FastAPI(lifespan=lifespan)


async def notify_partner(client: httpx.AsyncClient, order_id: int) -> None:
    print(f"order {order_id}: notifying the partner", flush=True)
    response = await client.post(f"/hooks/{order_id}")
    answer = f"partner answered {response.status_code}"
    print(f"order {order_id}: {answer}, client closed: {client.is_closed}", flush=True)


@app.post("/orders/{order_id}")
async def place_order(order_id: int, request: Request, background_tasks: BackgroundTasks):
    background_tasks.add_task(notify_partner, request.app.state.http, order_id)
    return {"order_id": order_id}


# --8<-- [end:app]

# The partner's side, for the demonstration: a hook that answers once it is released.
partner = FastAPI()
hooks: dict[int, asyncio.Event] = {}


@partner.post("/hooks/{order_id}")
async def hook(order_id: int):
    hooks[order_id] = asyncio.Event()
    print(f"partner: hook {order_id} received", flush=True)
    await hooks[order_id].wait()
    return {"received": order_id}


@partner.post("/release/{order_id}")
async def release(order_id: int):
    hooks[order_id].set()
    return {"released": order_id}
