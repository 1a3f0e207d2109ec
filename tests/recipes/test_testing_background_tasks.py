import pytest
from fastapi.testclient import TestClient

from guide.recipes import testing_background_tasks as recipe
from guide.recipes.testing_background_tasks import (  # noqa: F401 (pytest collects it here)
    test_signup_sends_the_welcome_email,
)


class BrokenMailer(recipe.Mailer):
    def send(self, to: str, subject: str) -> None:
        raise ConnectionError("mail server down")


@pytest.fixture
def broken_mailer():
    recipe.app.dependency_overrides[recipe.get_mailer] = BrokenMailer
    yield
    recipe.app.dependency_overrides.clear()


def test_a_failing_task_raises_out_of_the_call(broken_mailer):
    with pytest.raises(ConnectionError, match="mail server down"):
        TestClient(recipe.app).post("/signup/bob@example.com")


def test_without_raising_the_call_shows_the_200(broken_mailer):
    client = TestClient(recipe.app, raise_server_exceptions=False)
    assert client.post("/signup/bob@example.com").status_code == 200
