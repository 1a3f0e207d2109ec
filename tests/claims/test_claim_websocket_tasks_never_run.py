"""In a WebSocket endpoint, FastAPI injects a `BackgroundTasks` object and `add_task`
accepts tasks, but nothing ever runs them: there is no response for them to follow, and
they are not run when the connection closes or when the server shuts down. A task group
owned by the lifespan runs the work instead, on the server's loop, and the lifespan waits
for it at shutdown."""

from fastapi.testclient import TestClient

from guide.examples import websocket_tasks as example

CLAIM = "websocket-tasks-never-run"


def talk(client: TestClient, path: str) -> None:
    with client.websocket_connect(path) as websocket:
        for text in ("hello", "again"):
            websocket.send_text(text)
            assert websocket.receive_text() == f"got {text}"
        websocket.send_text("bye")


def test_injected_background_tasks_never_run(capsys):
    with TestClient(example.app) as client:  # the lifespan runs: start-up to shutdown
        talk(client, "/injected/ann")
    printed = capsys.readouterr().out.splitlines()
    assert "ann: handler done, 1 task queued" in printed
    assert not any("transcript" in line for line in printed)  # not even at shutdown


def test_a_task_group_from_the_lifespan_runs_the_work(capsys):
    with TestClient(example.app) as client:
        talk(client, "/task-group/bob")
    printed = capsys.readouterr().out.splitlines()  # after shutdown, which waited for it
    assert printed.index("bob: transcript of 2 messages saved") > printed.index("bob: handler done")
