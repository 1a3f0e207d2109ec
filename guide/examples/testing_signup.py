"""An app written to be tested: its task reaches the outside world through a dependency."""

from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI

app = FastAPI()


class Mailer:
    def send(self, to: str, subject: str) -> None:
        print(f"mail to {to}: {subject}", flush=True)  # stands in for SMTP


def get_mailer() -> Mailer:
    return Mailer()


def send_welcome(mailer: Mailer, email: str) -> None:
    mailer.send(email, "Welcome!")


@app.post("/signup/{email}")
async def signup(
    email: str, background_tasks: BackgroundTasks, mailer: Annotated[Mailer, Depends(get_mailer)]
):
    background_tasks.add_task(send_welcome, mailer, email)
    return {"email": email}
