"""One checker per exercise: run the reader's file on a real server and judge what it did.

Each takes the file's path, raises `Wrong` with what went wrong, or returns what it saw.
The judgement rests on the order of the server's own lines (a task's print, uvicorn's
access-log line written as the response leaves) and on what was printed by the time the
server had finished its tasks and exited, never on how long something took.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from guide.exercises.harness import Wrong, answered, finish, serve, tag

TIMEOUT = 30.0  # seconds for one request: only a broken file comes near it


def _post(url: str) -> httpx.Response:
    try:
        return httpx.post(url, timeout=TIMEOUT)
    except httpx.HTTPError as error:
        raise Wrong(f"POST {url} failed: {error!r}") from None


def response_first(path: Path) -> str:
    name = tag("ada")
    with serve(path, env={"SEND_SECONDS": "0.3"}) as server:  # the order is judged, not the time
        response = _post(f"{server.url}/signup/{name}")
        if response.status_code != 200:
            raise Wrong(f"POST /signup/{name} answered {response.status_code}, not 200")
        lines = finish(server)
    sent = [i for i, line in enumerate(lines) if line.endswith(f"welcome email sent to {name}")]
    if not sent:
        raise Wrong(f"no welcome email was sent to {name}", "keep the email: move it, not out")
    if len(sent) > 1:
        raise Wrong(f"{len(sent)} welcome emails were sent to {name}, not one")
    if sent[0] < answered(lines, "POST", f"/signup/{name}"):
        raise Wrong("the email was sent before the response left: the client waited for it")
    waited = response.elapsed.total_seconds() * 1000
    return f"the client had its answer after {waited:.0f} ms; the email was sent after it"
