"""A task group owned by the lifespan is shared by every job started in it: one job that
raises cancels every other job still running in the group, and every later `start_soon`
fails ("This task group is not active") until the server restarts; the lifespan then ends
with the job's exception. A job wrapped so that it logs its exception and never raises
leaves the other jobs, and the group, alone."""

import logging
import time

import pytest
from fastapi.testclient import TestClient

from guide.examples import websocket_tasks as example

CLAIM = "task-group-job-raises"


def talk(client: TestClient, path: str, *texts: str) -> None:
    with client.websocket_connect(path) as websocket:
        for text in texts:
            websocket.send_text(text)
            assert websocket.receive_text() == f"got {text}"
        websocket.send_text("bye")


def test_a_raising_job_cancels_the_others_and_closes_the_group(capsys):
    with pytest.raises(ExceptionGroup) as ended:  # the lifespan ends with the job's error
        with TestClient(example.app) as client:
            talk(client, "/bare-task-group/bob", "hello")  # a 0.3 s job, still running...
            talk(client, "/bare-task-group/eve", "boom")  # ...when this one raises
            time.sleep(0.5)  # past bob's 0.3 s: had it run on, it would have finished
            with pytest.raises(RuntimeError, match="This task group is not active"):
                talk(client, "/bare-task-group/cy", "hello")
    assert ended.group_contains(RuntimeError, match="eve: the transcript store refused it")
    printed = capsys.readouterr().out
    assert "bob: transcript" not in printed  # cancelled by eve's failure
    assert "cy: transcript" not in printed  # never started


def test_a_wrapped_job_that_raises_is_logged_and_the_others_go_on(capsys, caplog):
    with caplog.at_level(logging.ERROR), TestClient(example.app) as client:
        talk(client, "/task-group/bob", "hello")
        talk(client, "/task-group/eve", "boom")
        time.sleep(0.5)
        talk(client, "/task-group/cy", "hello", "again")
    printed = capsys.readouterr().out.splitlines()  # after shutdown, which waited for cy
    assert "bob: transcript of 1 messages saved" in printed
    assert "cy: transcript of 2 messages saved" in printed
    assert [r.exc_info[1].args for r in caplog.records if r.exc_info] == [
        ("eve: the transcript store refused it",)
    ]
