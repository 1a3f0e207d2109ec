"""When the endpoint raises, the tasks it added never run."""

from fastapi import BackgroundTasks, FastAPI, HTTPException

app = FastAPI()

ITEMS = {1: "notebook"}


def notify_owner(item_id: int) -> None:
    print(f"item {item_id}: owner notified", flush=True)


@app.put("/items/{item_id}")
async def update_item(item_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(notify_owner, item_id)  # added before the check...
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="Item not found")  # ...so it is dropped
    return {"item_id": item_id, "name": ITEMS[item_id]}
