"""A sign-up with a plain `BackgroundTasks` welcome email: the tour's failure step runs it.

Nothing records the task: if the mail server is down when it runs, uvicorn logs the
traceback, the client already has its 201, and the email is never sent.
SMTP_HOST and SMTP_PORT name the mail server (the tour's local one).
"""

import os
import smtplib
from email.message import EmailMessage

from fastapi import BackgroundTasks, FastAPI, status
from pydantic import BaseModel

app = FastAPI()


class SignUp(BaseModel):
    username: str
    email: str


def send_welcome_email(email: str, username: str) -> None:
    message = EmailMessage()
    message["From"], message["To"] = "guide@example.com", email
    message["Subject"] = f"Welcome, {username}!"
    message.set_content("Thanks for signing up.")
    host, port = os.getenv("SMTP_HOST", "127.0.0.1"), int(os.getenv("SMTP_PORT", "1025"))
    with smtplib.SMTP(host, port, timeout=10) as smtp:  # refused: the task raises, once
        smtp.send_message(message)
    print(f"welcome email sent to {email}", flush=True)


@app.post("/register", status_code=status.HTTP_201_CREATED)
def register(data: SignUp, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_welcome_email, data.email, data.username)
    return {"username": data.username}
