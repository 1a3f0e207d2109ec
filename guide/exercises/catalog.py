"""The ten exercises, one per section: what to do, the hint, and the checker."""

from __future__ import annotations

from guide.exercises import checks
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
            "add the send with background_tasks.add_task(send_welcome, name) instead of "
            "calling it (pass the function and its argument, not a call)",
            checks.response_first,
        ),
    ]
}
