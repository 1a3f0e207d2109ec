"""A task added after `yield` in a dependency declared `Depends(..., scope="function")`
runs, after the endpoint's: that scope's exit code runs before the response is sent. Since
FastAPI 0.121.1: on 0.121.0, which added `scope`, the task was still dropped."""

from guide.examples import task_after_yield_function_scope
from tests.claims.test_claim_task_after_yield_dropped import post

CLAIM = "task-after-function-scoped-yield-runs"


async def test_a_task_added_after_a_function_scoped_yield_runs_last(capsys):
    await post(task_after_yield_function_scope.app)
    assert capsys.readouterr().out.splitlines() == [
        "task from before yield",
        "task from endpoint",
        "task from after yield",
    ]
