"""The platform ring: log lines that carry the request id: rich on a terminal, JSON lines with
LOG_FORMAT=json (with the named fields of the line's event: demo_app/platform/log_events.py)."""

from __future__ import annotations

import json
import logging
import re
import sys

from demo_app.platform.context import current_request_id
from demo_app.platform.log_events import EVENTS

# Every repetition bounded (a local part has at most 64 characters, a domain label 63): an
# unbounded `[...]*@` tries every start in a long run of such characters with no `@` to the
# run's end, quadratic in its length (a 16,000-character URL path cost about a second of
# the event loop). Bounded, each start costs at most 64 steps.
_EMAIL = re.compile(
    r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{0,63}@([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,10})"
)


def one_line(text: str) -> str:
    """`text` with every non-printable character escaped as repr() would (`\\n`, `\\x00`,
    `\\u2028`): whatever a client put in a path or a title, it stays on its log line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def mask_email(text: str) -> str:
    """Addresses in `text` shortened to their first letter and domain: `a***@example.com`.

    Logs are read by more people, and kept longer, than the users table.
    """
    return _EMAIL.sub(r"\1***@\2", text)


class RequestIdFilter(logging.Filter):
    """Adds the request id; makes the message one line, with email addresses masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        message = record.getMessage()
        safe = mask_email(one_line(message))
        if safe != message:
            record.msg, record.args = safe, None
        return True


# The console's line when it is not a terminal (a pipe, a file, a container's log).
CONSOLE_FORMAT = "%(levelname)s %(name)s [%(request_id)s] %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if event := EVENTS.get(getattr(record, "event", None) or ""):
            entry["event"] = event.name
            for name in event.fields:
                value = getattr(record, name, None)
                entry[name] = mask_email(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def console_text(entry: dict) -> str:
    """One JSON log line's keys as the console prints that line when it is not a terminal
    (`INFO demo_app.tasks [REQUEST-ID] message`, then the traceback's lines, if any)."""
    record = logging.makeLogRecord(
        {
            "levelname": entry["level"],
            "name": entry["logger"],
            "request_id": entry["request_id"],
            "msg": entry["message"],
            "exc_text": entry.get("exception"),
        }
    )
    return logging.Formatter(CONSOLE_FORMAT).format(record)


def setup_logging(log_format: str = "console", level: str = "INFO") -> None:
    """Configure the `demo_app` loggers (uvicorn keeps its own)."""
    logger = logging.getLogger("demo_app")
    for old in logger.handlers[:]:
        logger.removeHandler(old)
    if log_format == "json":
        handler: logging.Handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
    elif sys.stdout.isatty():
        from rich.logging import RichHandler

        handler = RichHandler(show_path=False, markup=False)
        handler.setFormatter(logging.Formatter("[%(request_id)s] %(message)s"))
    else:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter(CONSOLE_FORMAT))
    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
