"""How do I test that my endpoint's background task did its job?

`TestClient` and httpx's `ASGITransport` return only once the response's tasks have run:
assert the task's effect right after the call. Give the task its collaborators through a
dependency and swap them with `app.dependency_overrides`. A failing task's exception comes
out of the call; `raise_server_exceptions=False` shows the 200 a real client gets.

Measured: the fake mailer holds the email when the call returns; a failing send raises
out of the call, or is a 200 with `raise_server_exceptions=False`.
"""

from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.testclient import TestClient


class Mailer:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, to: str, subject: str) -> None:
        self.sent.append(f"{subject} -> {to}")  # an SMTP client in the real app


app = FastAPI()
get_mailer = Mailer  # the real app would return its configured client


@app.post("/signup/{email}")
def signup(email: str, background_tasks: BackgroundTasks, mailer: Mailer = Depends(get_mailer)):
    background_tasks.add_task(mailer.send, email, "Welcome")
    return {"email": email}


def test_signup_sends_the_welcome_email():
    mailer = Mailer()
    app.dependency_overrides[get_mailer] = lambda: mailer
    response = TestClient(app).post("/signup/ann@example.com")  # returns after the task
    app.dependency_overrides.clear()
    assert response.status_code == 200
    assert mailer.sent == ["Welcome -> ann@example.com"]
