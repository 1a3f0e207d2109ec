"""With `Depends(..., scope="function")` (FastAPI 0.121+) a yield dependency's exit code
runs before the response is sent: its session is already closed when the tasks run."""

from guide.examples import db_session_function_scope
from tests.claims.test_claim_request_and_session_in_tasks import post

CLAIM = "session-closes-before-tasks-with-function-scope"


async def test_with_function_scope_the_session_is_closed_before_the_tasks(capsys):
    await post(db_session_function_scope.app, "/function-scope")
    assert capsys.readouterr().out.splitlines() == [
        "session closed",
        "task runs, session closed: True",
    ]
