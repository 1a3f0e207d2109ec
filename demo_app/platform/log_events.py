"""The platform ring: what the app's log lines about requests and task runs say, as fields.

Each such line has a message for people (`task send_welcome_email started (attempt 1)`)
and, passed with `extra=`, an `event` name and that event's fields, declared here once.
With LOG_FORMAT=json they are keys of the line's JSON object, next to `time`, `level`,
`logger`, `request_id` and `message`. Code that reads what a request's tasks did (a log
query, the guide's harness) reads these fields: a message may be reworded, they stay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeGuard

# Every JSON log line's keys (demo_app/platform/logs.py, JsonFormatter), event or not.
BASE_FIELDS = ("time", "level", "logger", "request_id", "message")


@dataclass(frozen=True)
class Event:
    """One kind of log line: its `event` name and the fields it always carries."""

    name: str
    fields: tuple[str, ...]

    def extra(self, **values: Any) -> dict[str, Any]:
        """The `extra=` of a log call for this event: its name and exactly its fields."""
        if set(values) != set(self.fields):
            raise TypeError(f"{self.name} carries {self.fields}, not {tuple(values)}")
        return {"event": self.name, **values}

    def is_(self, entry: dict[str, Any] | None) -> TypeGuard[dict[str, Any]]:
        """Whether a parsed line (`parse`) is one of these."""
        return entry is not None and entry.get("event") == self.name


RUN = ("task", "run_id", "attempt")  # which run, and which of its attempts

# An attempt began: the run was claimed, `attempt` counts this one.
TASK_STARTED = Event("task.started", RUN)
# The attempt raised (`error_type`: the exception's class); `task.ended` says what follows.
TASK_RAISED = Event("task.raised", (*RUN, "error_type"))
# The attempt's outcome is recorded: `status` is the run's status now (succeeded, retrying,
# failed or dead); `next_attempt_at` (ISO 8601) when retrying, else null; its duration.
TASK_ENDED = Event("task.ended", (*RUN, "status", "duration_ms", "next_attempt_at"))
# The attempt ended after its run had been taken over: its outcome was not recorded.
TASK_OUTCOME_DROPPED = Event("task.outcome_dropped", RUN)
# A response's last byte left (logged just before the request is recorded).
RESPONSE_SENT = Event("response.sent", ("method", "path", "status_code"))

EVENTS = {
    event.name: event
    for event in (TASK_STARTED, TASK_RAISED, TASK_ENDED, TASK_OUTCOME_DROPPED, RESPONSE_SENT)
}


def parse(line: str) -> dict[str, Any] | None:
    """The keys of one of the app's JSON log lines (LOG_FORMAT=json); None for any other
    line (a task's print, uvicorn's lines)."""
    if not line.startswith("{"):
        return None
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if not isinstance(entry, dict) or not all(key in entry for key in BASE_FIELDS):
        return None
    return entry
