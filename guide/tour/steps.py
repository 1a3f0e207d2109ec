"""The tour's steps: what each shows, the code behind it, and the section that explains it."""

from __future__ import annotations

from dataclasses import dataclass

SLOW_MAIL = 0.3  # seconds the local mail server waits before taking each email (step 1)
RETRY_BASE_SECONDS = 0.5  # the tour's demo app retries a failed run after 0.5 s, 1 s, 2 s...


@dataclass(frozen=True)
class Code:
    """Lines of a real file: the calls to `names` in `function` (see guide.tour.code)."""

    path: str
    function: str
    names: tuple[str, ...] = ("add_task",)


@dataclass(frozen=True)
class Step:
    title: str
    explanation: str
    code: tuple[Code, ...]
    section: int  # python -m guide N
    heading: str  # the part of that section to read


STEPS: dict[int, Step] = {
    1: Step(
        "Registration sends a welcome email",
        "The route saves the user, adds two tasks and returns: the client has its 201 before "
        f"the email goes.\nThe local mail server is slow on purpose: {SLOW_MAIL * 1000:.0f} ms "
        "per email.",
        (Code("demo_app/lesson/registration.py", "register"),),
        3,
        "Step by step: one registration",
    ),
    2: Step(
        "Audit logging",
        "Logging in and creating an item each add log_user_action: the audit row is written "
        "after the response.",
        (
            Code("demo_app/lesson/registration.py", "login"),
            Code("demo_app/lesson/items.py", "create_item", ("add_task", "notify")),
        ),
        5,
        "Pattern 2: audit logging",
    ),
    3: Step(
        "Processing on completion",
        "Completing an item adds process_item_completion: it counts the owner's completed "
        "items and awards a badge.",
        (Code("demo_app/lesson/items.py", "update_item", ("add_task", "notify")),),
        5,
        "Pattern 3: conditional processing on completion",
    ),
    4: Step(
        "A newsletter to the subscribers",
        "grace and hedy register and subscribe, linus registers without; ada subscribed in "
        "step 1.\nThen the admin sends a newsletter: one send_batch_email task per batch of 50.",
        (Code("demo_app/lesson/newsletter.py", "send_newsletter"),),
        5,
        "Pattern 4: a newsletter, in batches",
    ),
    5: Step(
        "The mail server is down",
        "Fast is not reliable. The mail server stops; two apps each send a welcome email.\n"
        "A plain BackgroundTasks app: the client gets 201, the task raises, nothing retries.\n"
        "The demo records each run: the failed send is retried once the server is back.",
        (
            Code("guide/tour/plain_signup.py", "register"),
            Code("demo_app/lesson/registration.py", "register"),
            Code("demo_app/runs/runner.py", "record_failure", ("backoff",)),
        ),
        6,
        "What the demo does instead: record, retry, give up loudly",
    ),
}
