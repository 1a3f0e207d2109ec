# Exercise 4: the injected BackgroundTasks is itself a BackgroundTask: add both tasks to it
# and pass it on as the response's background.
from fastapi import BackgroundTasks
from fastapi.responses import JSONResponse

from guide.examples.response_background_drops_tasks import send_welcome, write_audit


async def signup(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_welcome, name)
    background_tasks.add_task(write_audit, name)
    return JSONResponse({"name": name}, background=background_tasks)


answer = signup
