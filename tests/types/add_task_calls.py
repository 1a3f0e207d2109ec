"""What mypy (`make types`) says of `add_task` calls: a wrong one is an error.

Not run by pytest: type-checked. Each deliberately wrong line carries the error code mypy
must report; `warn_unused_ignores` makes the check fail if mypy stops reporting it (a
`@task` or `add_task` that lost its types would accept every call silently).
"""

from __future__ import annotations

from demo_app.lesson.tasks import log_user_action, send_welcome_email
from demo_app.runs.queue import TaskQueue


def right_calls(tasks: TaskQueue) -> None:
    tasks.add_task(send_welcome_email, "ann@example.com", "ann")
    tasks.add_task(log_user_action, "ann", "LOGIN")
    tasks.add_task(log_user_action, "ann", "REGISTER", details="email: ann@example.com")


def wrong_calls(tasks: TaskQueue) -> None:
    tasks.add_task(send_welcome_email, "a@example.com", "a", "extra")  # type: ignore[call-arg]
    tasks.add_task(send_welcome_email, "ann@example.com", 42)  # type: ignore[arg-type]
    tasks.add_task(log_user_action, "ann", "LOGIN", colour="red")  # type: ignore[call-arg]


async def a_task_keeps_its_own_type() -> None:
    sent: bool = await send_welcome_email("ann@example.com", "ann")
    await send_welcome_email("ann@example.com")  # type: ignore[call-arg]
    del sent
