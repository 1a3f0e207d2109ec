import logging

import pytest

from guide.recipes import log_task_errors
from tests.recipes.conftest import asgi


async def test_the_failure_is_logged_and_the_next_task_runs(caplog):
    caplog.set_level(logging.INFO, logger="tasks")
    async with asgi(log_task_errors.app) as client:
        response = await client.post("/orders/7")  # no exception comes out: it was caught

    assert response.status_code == 200
    [failure] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert failure.name == "tasks" and failure.getMessage() == "task charge_card failed"
    assert failure.exc_info and failure.exc_info[0] is ConnectionError  # the traceback
    assert "order 7: receipt sent" in caplog.messages


async def test_without_the_wrapper_the_next_task_is_skipped(caplog):
    from fastapi import BackgroundTasks

    tasks = BackgroundTasks()
    tasks.add_task(log_task_errors.charge_card, 8)
    tasks.add_task(log_task_errors.send_receipt, 8)
    caplog.set_level(logging.INFO, logger="tasks")
    with pytest.raises(ConnectionError):
        await tasks()
    assert "order 8: receipt sent" not in caplog.messages
