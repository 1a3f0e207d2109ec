import logging
import time

from fastapi.testclient import TestClient

from guide.recipes import periodic_job


def test_the_loop_runs_beside_the_app_and_stops_with_it(monkeypatch, caplog):
    runs: list[float] = []

    async def purge_expired_sessions() -> None:  # the second run fails
        runs.append(time.monotonic())
        if len(runs) == 2:
            raise ConnectionError("database busy")

    monkeypatch.setattr(periodic_job, "purge_expired_sessions", purge_expired_sessions)
    monkeypatch.setattr(periodic_job, "INTERVAL_SECONDS", 0.2)
    caplog.set_level(logging.ERROR, logger="uvicorn.error")

    started = time.monotonic()
    with TestClient(periodic_job.app) as client:  # runs the lifespan
        ready = time.monotonic() - started
        assert runs == []  # start-up did not wait for a run
        assert client.get("/docs").status_code == 200
        deadline = time.monotonic() + 10
        while len(runs) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
    after_shutdown = len(runs)
    time.sleep(0.5)

    assert ready < 0.2, f"start-up took {ready:.2f}s"
    assert after_shutdown >= 4, "the loop stopped after the failing run"
    gaps = [b - a for a, b in zip(runs, runs[1:], strict=False)]
    assert all(gap >= 0.2 for gap in gaps), gaps
    [failure] = caplog.records
    assert failure.getMessage() == "periodic job purge_expired_sessions failed"
    assert failure.exc_info and failure.exc_info[0] is ConnectionError
    assert len(runs) == after_shutdown  # nothing ran after shutdown
