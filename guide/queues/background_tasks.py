"""FastAPI's BackgroundTasks: the email is sent after the response, in the same process.

SMTP_PORT=1025 uvicorn guide.queues.background_tasks:app
"""

from fastapi import BackgroundTasks, FastAPI

from guide.queues.welcome import Signup, send_welcome_async, users

app = FastAPI()


@app.post("/register", status_code=201)
async def register(signup: Signup, background_tasks: BackgroundTasks) -> dict[str, str]:
    users[signup.username] = signup.email
    background_tasks.add_task(send_welcome_async, signup.email)
    return {"username": signup.username}
