"""A task added after `yield` in a dependency declared `Depends(..., scope="function")`
runs, after the endpoint's: that scope's exit code runs before the response is sent. Since
FastAPI 0.121.1 wherever the dependency is declared: on 0.121.0, which added `scope`, it
ran for a parameter's dependency, and a dependency declared in the decorator's
`dependencies=[...]` still dropped it."""

import pytest

from guide.examples import task_after_yield_function_scope
from tests.claims.test_claim_task_after_yield_dropped import post

CLAIM = "task-after-function-scoped-yield-runs"


@pytest.mark.parametrize("path", ["/signup", "/signup-decorated"], ids=["parameter", "decorator"])
async def test_a_task_added_after_a_function_scoped_yield_runs_last(capsys, path):
    await post(task_after_yield_function_scope.app, path)
    assert capsys.readouterr().out.splitlines() == [
        "task from before yield",
        "task from endpoint",
        "task from after yield",
    ]
