"""One checker per exercise: run the reader's file on a real server and judge what it did.

Each takes the file's path, raises `Wrong` with what went wrong, or returns what it saw.
The judgement rests on the order of the server's own lines (a task's print, uvicorn's
access-log line written as the response leaves) and on what was printed by the time the
server had finished its tasks and exited, never on how long something took.
"""

from __future__ import annotations

import ast
import re
import secrets
import signal
import sqlite3
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx

from guide.exercises.harness import Wrong, answered, finish, first, load, serve, stop_with, tag
from guide.live import LiveServer

TIMEOUT = 30.0  # seconds for one request: only a broken file comes near it


def _call(method: str, url: str, *, ok: bool = True, **options: Any) -> httpx.Response:
    """One request; with `ok`, anything but a 200 is the reader's file going wrong."""
    shown = f"{method} {httpx.URL(url).path}"
    try:
        response = httpx.request(method, url, timeout=TIMEOUT, **options)
    except httpx.HTTPError as error:
        raise Wrong(f"{shown} failed: {error!r}") from None
    if ok and response.status_code != 200:
        raise Wrong(f"{shown} answered {response.status_code}, not 200: {response.text[:200]}")
    return response


def _post(url: str, **options: Any) -> httpx.Response:
    return _call("POST", url, **options)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        shown = f"{response.request.method} {response.request.url.path}"
        raise Wrong(f"{shown} answered {response.text[:200]!r}, not JSON") from None


def response_first(path: Path) -> str:
    name = tag("ada")
    with serve(path, env={"SEND_SECONDS": "0.3"}) as server:  # the order is judged, not the time
        response = _post(f"{server.url}/signup/{name}")
        lines = finish(server)
    sent = [i for i, line in enumerate(lines) if f"welcome email sent to {name}" in line]
    if not sent:
        raise Wrong(f"no welcome email was sent to {name}", "keep the email: move it, not out")
    if len(sent) > 1:
        raise Wrong(f"{len(sent)} welcome emails were sent to {name}, not one")
    if sent[0] < answered(lines, "POST", f"/signup/{name}"):
        raise Wrong("the email was sent before the response left: the client waited for it")
    waited = response.elapsed.total_seconds() * 1000
    return f"the client had its answer after {waited:.0f} ms; the email was sent after it"


CRASHED = "Exception in ASGI application"  # uvicorn's line for a task that raised


def _wait_for(server: LiveServer, text: str, why: str, start: int = 0, regex: bool = False) -> str:
    try:
        return server.wait_for_line(text if regex else re.escape(text), TIMEOUT, start)
    except TimeoutError:
        raise Wrong(f"the server never printed {text!r}: {why}") from None


def _count(lines: list[str], text: str) -> int:
    return sum(text in line for line in lines)


def def_or_async_def(path: Path) -> str:
    name = tag("photo")
    with serve(path, env={"RESIZE_SECONDS": "2"}) as server:  # 2 s against a ping's ms
        _post(f"{server.url}/photos/{name}")
        _wait_for(server, f"{name}: resizing", "keep the task and its prints")
        ping = _call("GET", f"{server.url}/ping")
        lines = finish(server)
    resized = first(lines, f"{name}: resized")
    if resized is None:
        raise Wrong(
            f"{name} was never resized: the blocking call is gone",
            "keep the call to blocking_resize (it stands for a library with no async version); "
            "change the kind of function that calls it",
        )
    if answered(lines, "GET", "/ping") > resized:
        raise Wrong(
            "GET /ping was answered only after the resize had finished: "
            "the task held the event loop"
        )
    waited = ping.elapsed.total_seconds() * 1000
    return f"GET /ping was answered in {waited:.0f} ms while the photo was being resized"


STEP = "task from "


def task_order(path: Path) -> str:
    predicted = getattr(load(path), "ORDER", None)
    if not isinstance(predicted, list) or not all(isinstance(s, str) for s in predicted):
        raise Wrong("ORDER must be a list of task names (strings)")
    if not predicted:
        raise Wrong(
            "ORDER is empty: write your prediction first",
            "the names are the strings each task passes to record(); predict, then check",
        )
    with serve(path) as server:
        _post(f"{server.url}/signup")
        lines = finish(server)
    ran = [line.split(STEP, 1)[1] for line in lines if STEP in line]
    if predicted == ran:
        return f"the {len(ran)} tasks ran in the order you predicted"
    raise Wrong(order_mistakes(predicted, ran, _task_names(path)))


def order_mistakes(predicted: list[str], ran: list[str], names: set[str]) -> str:
    """What is wrong with a predicted order, by name and by place (1 is the first task):
    a name no task has, a task predicted but never run, one run but left out, one named
    more or fewer times than it ran; with none of those, the first task in the wrong place."""
    said = []
    guessed, seen = Counter(predicted), Counter(ran)
    for name in dict.fromkeys(predicted + ran):
        if name not in seen and name not in names:
            known = ", ".join(repr(n) for n in sorted(names | set(ran)))
            said.append(f"no task is called {name!r} (the names: {known})")
        elif name not in seen:
            said.append(f"{name!r} is in ORDER, but it never ran")
        elif name not in guessed:
            said.append(f"{name!r} ran, but ORDER leaves it out")
        elif guessed[name] != seen[name]:
            said.append(
                f"{name!r} is in ORDER {_times(guessed[name])}; it ran {_times(seen[name])}"
            )
    if not said:  # the same names, as often: some are in the wrong place
        place = next(i for i, (a, b) in enumerate(zip(predicted, ran, strict=True)) if a != b)
        guess = predicted[place]
        said.append(
            f"the task in place {place + 1} was {ran[place]!r}, not {guess!r} "
            f"({guess!r} ran in place {ran.index(guess) + 1})"
        )
    return "; ".join(said)


def _times(count: int) -> str:
    return {0: "never", 1: "once"}.get(count, f"{count} times")


def _task_names(path: Path) -> set[str]:
    """The names the file's tasks pass to record: `add_task(record, "name")`."""
    return {
        node.args[1].value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "add_task"
        and len(node.args) == 2
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    }


def own_response(path: Path) -> str:
    name = tag("ann")
    with serve(path) as server:
        response = _post(f"{server.url}/signup/{name}")
        if _json(response) != {"name": name}:
            raise Wrong(f"POST /signup/{name} answered {response.text}, not {{'name': {name!r}}}")
        lines = finish(server)
    email, audit = f"{name}: welcome email sent", f"{name}: audit written"
    for text, what in ((email, "the welcome email"), (audit, "the audit")):
        times = _count(lines, text)
        if times != 1:
            raise Wrong(
                f"{what} task ran {times} times, not once" if times else f"{what} never ran"
            )
    sent, written = first(lines, email), first(lines, audit)
    assert sent is not None and written is not None
    if min(sent, written) < answered(lines, "POST", f"/signup/{name}"):
        raise Wrong("a task ran before the response left: add the tasks, don't call them")
    if written < sent:
        raise Wrong("the audit was written before the email was sent: the email comes first")
    return "the response left first, then the email was sent, then the audit written"


MISSING = 404404  # an item id no starter has


def ownership(path: Path) -> str:
    with serve(path) as server:
        url = f"{server.url}/items"
        stranger = _call("PUT", f"{url}/1/complete", ok=False, headers={"X-User": "bob"})
        missing = _call("PUT", f"{url}/{MISSING}/complete", ok=False, headers={"X-User": "ann"})
        after = _json(_call("GET", f"{url}/1"))
        own = _call("PUT", f"{url}/1/complete", ok=False, headers={"X-User": "ann"})
        lines = finish(server)
    if stranger.status_code != 404:
        raise Wrong(f"bob completing ann's item 1 got {stranger.status_code}, not 404")
    if missing.status_code != 404:
        raise Wrong(f"completing a missing item got {missing.status_code}, not 404")
    if _json(stranger) != _json(missing):
        raise Wrong(
            "someone else's item and a missing one got different answers: "
            f"{stranger.text} and {missing.text}, so a stranger can tell that item 1 exists"
        )
    if not isinstance(after, dict) or after.get("completed") is not False:
        raise Wrong(f"after bob's attempt, item 1 reads {after}: it was changed")
    if first(lines, "completed by bob") is not None:
        raise Wrong("ann was emailed about bob's attempt: a task was added before the check")
    if own.status_code != 200 or first(lines, "email to ann: item 1 completed by ann") is None:
        raise Wrong(f"ann could not complete her own item: {own.status_code} {own.text}")
    return "a stranger's and a missing item both got the same 404, no email; ann's own worked"


def failure_stops_the_rest(path: Path) -> str:
    order = secrets.randbelow(10**6) + 1
    with serve(path) as server:
        _post(f"{server.url}/orders/{order}")
        lines = finish(server)
    notified = first(lines, f"order {order}: notifying the warehouse")
    if notified is None:
        raise Wrong("the warehouse was never notified: keep the failing task, make it harmless")
    receipts = [i for i, line in enumerate(lines) if f"order {order}: receipt sent" in line]
    if not receipts:
        raise Wrong(f"order {order}'s receipt was never sent")
    if len(receipts) > 1:
        raise Wrong(f"order {order}'s receipt was sent {len(receipts)} times, not once")
    if receipts[0] < notified:
        raise Wrong("the receipt was sent before the warehouse was notified: keep their order")
    if first(lines, CRASHED) is not None:
        raise Wrong(
            f"the warehouse's error still reached uvicorn ({CRASHED!r}): it was not caught",
            "catch it in the task, or in a wrapper the task runs in, and log it there",
        )
    error = f"order {order}: warehouse API unavailable"
    if first(lines, error) is None:
        raise Wrong(
            "the warehouse's error left no trace in the log: it was swallowed",
            "catch it and log it (logger.exception logs the traceback too)",
        )
    if not _traceback_of(lines, f"ConnectionError: {error}"):
        raise Wrong(
            "the warehouse's error was printed without its traceback: the log says what "
            "failed, not where",
            "log it with logger.exception(...) in the except block (or logger.error(..., "
            "exc_info=True)): print(error) and logger.error(error) leave the traceback out",
        )
    return "the warehouse's failure was logged with its traceback, and the receipt still sent"


def _traceback_of(lines: list[str], last: str) -> bool:
    """Whether a traceback ending in the line `last` was printed."""
    end = first(lines, last)
    return end is not None and first(lines[:end], "Traceback (most recent call last):") is not None


def request_id(path: Path) -> str:
    users = {tag("req-"): tag("user") for _ in range(2)}  # two requests: each line its own id
    with serve(path) as server:
        for rid, user in users.items():
            _post(f"{server.url}/users/{user}", headers={"X-Request-ID": rid})
        lines = finish(server)
    for rid, user in users.items():
        error = f"CRM unavailable while syncing {user}"
        if first(lines, error) is None:
            raise Wrong(f"sync_crm's error for {user} was never logged")
        tagged = [line for line in lines if rid in line]
        if not tagged:
            raise Wrong(f"no line of the log has request {rid}'s id")
        if not any(error in line for line in tagged):
            raise Wrong(
                f"request {rid}'s lines do not say what failed: {tagged[0]!r}",
                "put the error in that line: logger.exception('[%s] ...: %s', request_id, error)",
            )
    return "each failure was logged in one line with its own request's id"


def new_session(path: Path) -> str:
    text = f"three little words {tag('w')}"
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "notes.db"
        with serve(path, env={"NOTES_DB": str(database)}) as server:
            _post(f"{server.url}/notes", json={"text": text})
            lines = finish(server)
        with closing(sqlite3.connect(database)) as db:
            row = db.execute("SELECT words FROM notes WHERE text = ?", (text,)).fetchone()
    if row is None:
        raise Wrong("the note was not saved")
    closed = first(lines, "request connection closed")
    if closed is None or closed > answered(lines, "POST", "/notes"):
        raise Wrong(
            "the request's connection was still open when the response left: its scope changed",
            'leave Depends(get_db, scope="function") as it is; the task needs a connection '
            "of its own, not a longer life for the request's",
        )
    if row[0] != len(text.split()):
        logged = next((line for line in lines if "Error" in line), "nothing was logged")
        raise Wrong(f"the note's words were never counted ({logged})")
    return f"the task counted {row[0]} words with a connection of its own"


# (exports started, the signal, uvicorn's options, TASK_SECONDS). Only the plain SIGTERM
# waits for its export: the others are 10 s long, far past any delay before the signal.
STOPS = {
    "SIGTERM": ([("exports", "a")], signal.SIGTERM, [], "1"),
    "SIGKILL": ([("exports", "b")], signal.SIGKILL, [], "10"),
    "timeout": (
        [("exports", "c"), ("sync-exports", "d")],
        signal.SIGTERM,
        ["--timeout-graceful-shutdown", "1"],
        "10",
    ),
}
GRACEFUL = "SIGTERM, --timeout-graceful-shutdown 1, "


def _stop_run(path: Path, case: str) -> list[str]:
    exports, sig, args, seconds = STOPS[case]
    with serve(path, env={"TASK_SECONDS": seconds}, args=args) as server:
        for route, name in exports:
            _post(f"{server.url}/{route}/{name}")
            _wait_for(server, f"export {name}: started", "keep the exports as they are")
        if sig == signal.SIGKILL:
            server.kill()
            return finish(server)
        _, lines = stop_with(server, sig)
        return lines


def stops(path: Path) -> str:
    predicted = getattr(load(path), "FINISHES", None)
    if not isinstance(predicted, dict) or set(predicted) != set(_STOP_KEYS):
        raise Wrong(f"FINISHES must have exactly these keys: {', '.join(_STOP_KEYS)}")
    if not all(isinstance(value, bool) for value in predicted.values()):
        raise Wrong(
            "FINISHES still has a None: predict True or False for each stop",
            "replace each None with your prediction; the check then runs all four stops",
        )
    with ThreadPoolExecutor(len(STOPS)) as pool:  # three servers at once: ~2 s, not ~5 s
        runs = dict(zip(STOPS, pool.map(lambda case: _stop_run(path, case), STOPS), strict=True))
    measured = {
        "SIGTERM": first(runs["SIGTERM"], "export a: done") is not None,
        "SIGKILL": first(runs["SIGKILL"], "export b: done") is not None,
        GRACEFUL + "async def task": first(runs["timeout"], "export c: done") is not None,
        GRACEFUL + "def task": first(runs["timeout"], "export d: done") is not None,
    }
    wrong = [key for key in _STOP_KEYS if predicted[key] != measured[key]]
    if wrong:
        said = "; ".join(
            f"{key}: the export {'finished' if measured[key] else 'did not finish'}"
            for key in wrong
        )
        raise Wrong(f"{len(wrong)} of 4 predictions were off. {said}")
    return "all four predictions held on a real server"


_STOP_KEYS = ("SIGTERM", "SIGKILL", GRACEFUL + "async def task", GRACEFUL + "def task")


def idempotent(path: Path) -> str:
    first_order = secrets.randbelow(10**6) + 1
    second_order = first_order + 1
    with tempfile.TemporaryDirectory() as folder:
        env = {"INVOICES_DB": str(Path(folder) / "invoices.db")}
        runs = []
        # one order's message twice in one process, then again in the next one, where a
        # second order's message comes too
        for orders in ([first_order, first_order], [first_order, second_order]):
            with serve(path, env=env) as server:
                for order in orders:
                    start = len(server.lines)
                    _post(f"{server.url}/deliveries", json={"order_id": order})
                    _wait_for(  # the next message comes once this one's tasks are over
                        server,
                        f"message for order {order} acknowledged|{CRASHED}",
                        "keep the queue's part as it is",
                        start=start,
                        regex=True,
                    )
                runs.append(finish(server))
    before, after = (_count(lines, f"invoice for order {first_order} delivered") for lines in runs)
    fresh = _count(runs[1], f"invoice for order {second_order} delivered")
    if fresh != 1:
        raise Wrong(f"a new order's invoice was delivered {fresh} times, not once")
    if before != 1:
        raise Wrong(
            f"one order's message came twice, and {before} invoices went out",
            "look a key for the invoice (invoice:{order_id}) up before sending it, and record "
            "it after: the sent table is there for that",
        )
    if after:
        raise Wrong(
            "the same message, delivered again to a new process, sent the invoice again",
            "the key must outlive the process that recorded it: keep it in the sent table, "
            "not in memory",
        )
    return "one order's message, delivered three times across a restart, sent one invoice"
