"""Exercise 5, wrong: the same 404, but returned after the task was added, so it runs."""

from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse

app = FastAPI()

ITEMS: dict[int, dict[str, Any]] = {
    1: {"owner": "ann", "title": "Buy milk", "completed": False},
    2: {"owner": "bob", "title": "Fix the bike", "completed": False},
}


def current_user(x_user: Annotated[str, Header()]) -> str:  # leave: stands in for a login
    return x_user


CurrentUser = Annotated[str, Depends(current_user)]


def notify_owner(owner: str, item_id: int, by: str) -> None:
    print(f"email to {owner}: item {item_id} completed by {by}", flush=True)


@app.get("/items/{item_id}")
async def read_item(item_id: int):  # leave: what the check looks at
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="Item not found")
    return ITEMS[item_id]


@app.put("/items/{item_id}/complete")
async def complete_item(item_id: int, user: CurrentUser, background_tasks: BackgroundTasks):
    item = ITEMS.get(item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Item not found")
    background_tasks.add_task(notify_owner, item["owner"], item_id, user)
    if item["owner"] != user:  # a returned response keeps the tasks: the owner is emailed
        return JSONResponse({"detail": "Item not found"}, status_code=404)
    item["completed"] = True
    return item
