"""The ten exercises, one per section: what to change or predict, the hint, the checker."""

from __future__ import annotations

import guide.exercises.checks as checks
from guide.exercises.harness import Exercise

EXERCISES: dict[int, Exercise] = {
    exercise.number: exercise
    for exercise in [
        Exercise(
            1,
            "response_first",
            "Answer before the email is sent",
            "POST /signup/{name} sends a welcome email that takes a second, and the client\n"
            "waits for it. Make the route answer first and send the email after the response.",
            "don't call send_welcome in the route: hand it to background_tasks.add_task, "
            "the function and its argument",
            checks.response_first,
        ),
        Exercise(
            2,
            "def_or_async_def",
            "def or async def for a blocking call",
            "A photo's resize calls a blocking library inside an async def task, and while it\n"
            "runs the server answers nobody. Keep the blocking call; choose the right kind of\n"
            "function for the task.",
            "an async def task runs on the event loop, so blocking there blocks everything; "
            "FastAPI runs a plain def task in a worker thread",
            checks.def_or_async_def,
        ),
        Exercise(
            3,
            "task_order",
            "Predict the order of the tasks",
            "Dependencies (one with scope='function') and the endpoint add seven tasks to one\n"
            "request. Predict which run, in which order, in ORDER; the check runs the app.",
            "one BackgroundTasks object is shared; dependencies run before the endpoint; a "
            "yield dependency's exit code runs after the response (request scope: too late to "
            "add a task) or before it (scope='function': its task is still in time)",
            checks.task_order,
        ),
        Exercise(
            4,
            "own_response",
            "Your own response, and the tasks too",
            "The route returns a JSONResponse with its own background=, and the welcome email\n"
            "added to background_tasks is silently dropped. Keep the JSONResponse; run both\n"
            "tasks after it, the email first.",
            "a response's background= replaces the injected tasks: add every task to "
            "background_tasks and pass that very object as background=",
            checks.own_response,
        ),
        Exercise(
            5,
            "ownership",
            "Check ownership before adding a task",
            "Anyone can complete anyone's item, and its owner gets an email about it; a missing\n"
            "id is a 500. Answer the same 404 for both, before anything is changed or added.",
            "look the item up with ITEMS.get, and raise HTTPException(404) when it is None or "
            "not the user's, before the change and the add_task: a raised 404 runs no task",
            checks.ownership,
        ),
        Exercise(
            6,
            "failure_stops_the_rest",
            "A failing task must not stop the next one",
            "The first task raises (the warehouse is down), so the receipt is never sent. Keep\n"
            "both tasks; make a failure stop only its own task, and still be logged.",
            "Starlette awaits the tasks in a plain loop, so an exception ends it: run each task "
            "through a small wrapper that catches and logs (logger.exception) the error",
            checks.failure_stops_the_rest,
        ),
        Exercise(
            7,
            "request_id",
            "Log a task's failure with its request id",
            "When sync_crm fails, the log shows a traceback that names no request. Log the\n"
            "failure in one line with the request's id and the error's message.",
            "pass the request id to the task as a plain value, catch the error there, and log "
            "one line with both: logger.exception('[%s] sync_crm failed: %s', request_id, error)",
            checks.request_id,
        ),
        Exercise(
            8,
            "new_session",
            "Open a new database connection in the task",
            "The task counts a note's words with the request's connection, which is closed\n"
            "before the task runs. Give the task the note's id; let it open its own connection.",
            "count_words(note_id) opening `with closing(sqlite3.connect(DATABASE)) as db, db:` "
            "and add_task(count_words, note_id): ids and plain values, never the session",
            checks.new_session,
        ),
        Exercise(
            9,
            "stops",
            "Predict which tasks survive a stop",
            "An export is running when the server gets SIGTERM, SIGKILL, or SIGTERM with\n"
            "--timeout-graceful-shutdown 1. Predict in FINISHES whether each export finishes.",
            "uvicorn's graceful shutdown waits for the tasks, unless a timeout is set; SIGKILL "
            "gives the process no chance; a running thread cannot be cancelled, and the "
            "process does not wait for it after the timeout",
            checks.stops,
        ),
        Exercise(
            10,
            "idempotent",
            "A task a queue may deliver twice",
            "A queue delivers each message at least once: the same order's message can come\n"
            "again, to a new process. Make send_invoice send one invoice per order, however\n"
            "often it runs.",
            "an idempotency key per side effect (invoice:{order_id}), looked up before "
            "sending and recorded after, in the database (the sent table), not in memory",
            checks.idempotent,
        ),
    ]
}
