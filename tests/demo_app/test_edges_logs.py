"""No forged log lines, and no email address printed in full.

A `%0A` in a path is a newline in the decoded path the middleware logged, so a client
could print a whole fake line (`INFO demo_app.requests [admin-1] POST /api/v1/... -> 200`);
a title with a newline did the same through the task prints. Addresses went to stdout in
full. Now: every demo_app log message is one line (non-printables escaped as repr() does),
the task prints quote user text with !r, and addresses are masked (`a***@example.com`).
"""

from __future__ import annotations

import logging
import time

import httpx
import pytest

from demo_app.config import get_settings
from demo_app.lesson import tasks
from demo_app.lesson.email import build_message, deliver
from demo_app.models import RequestRecord
from demo_app.platform.logs import RequestIdFilter, mask_email, one_line
from guide.live import FAST_HASHING, PASSWORD, demo_stack
from tests.demo_app.support import rows

FORGED = "INFO demo_app.requests [admin-1] POST /api/v1/send-newsletter -> 202"


def test_one_line_escapes_what_would_break_a_line():
    assert one_line("a\nb\r\u2028c\x00\x1b[31m\t") == "a\\nb\\r\\u2028c\\x00\\x1b[31m\\t"
    assert one_line("Ünïcødé ✓ 🎉 plain") == "Ünïcødé ✓ 🎉 plain"


@pytest.mark.parametrize(
    "text, masked",
    [
        ("ada@example.com", "a***@example.com"),
        ("sent to first.last+tag@mail.example.org now", "sent to f***@mail.example.org now"),
        ("no address here", "no address here"),
    ],
)
def test_addresses_are_masked(text, masked):
    assert mask_email(text) == masked


def test_the_log_filter_makes_every_message_one_line_and_masks_addresses():
    record = logging.LogRecord(
        "demo_app.x", logging.INFO, __file__, 1, "title %s to %s", (f"x\n{FORGED}", "b@c.io"), None
    )
    assert RequestIdFilter().filter(record)
    message = record.getMessage()
    assert "\n" not in message and message.endswith("to b***@c.io")
    assert message == f"title x\\n{FORGED} to b***@c.io"


# A long run of address characters with no usable `@`: an unbounded pattern tried every
# start to the run's end (about a second of event-loop time for 16,000 characters).
@pytest.mark.parametrize("text", ["a" * 16_000, "a." * 8_000, "x@" + "a-" * 8_000])
def test_masking_a_16000_character_text_takes_milliseconds(text):
    started = time.perf_counter()
    assert mask_email(text) == text
    assert time.perf_counter() - started < 0.1  # 0.6-1.1 s with the unbounded pattern


async def test_a_long_path_is_logged_and_kept_shortened(client, caplog):
    path = "/api/v1/" + "a" * 16_000
    with caplog.at_level(logging.INFO, logger="demo_app.requests"):
        assert (await client.get(path)).status_code == 404
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("GET /api")]
    assert len(line) < 300 and line.endswith("(15808 more characters) -> 404")
    [record] = await rows(RequestRecord)
    assert len(record.path) < 300 and record.path.startswith("/api/v1/aaa")


async def test_task_prints_quote_the_title_and_mask_the_address(app, capsys):
    # The edge refuses a title with a newline (test_edges_input.py); a task handed one
    # anyway prints it quoted, on one line (the title is in the email's body only).
    await tasks.send_item_notification("ann@example.com", "ann", f"t\n{FORGED}", "updated", 1, 1)
    out = capsys.readouterr().out
    assert f"Item 't\\n{FORGED}' updated: notifying a***@example.com" in out
    assert not any(line.startswith(FORGED) for line in out.splitlines())
    assert "ann@example.com" not in out


@pytest.mark.live
def test_on_a_real_server_a_newline_in_the_path_forges_no_log_line():
    with demo_stack(FAST_HASHING) as stack:
        payload = {"username": "ann", "email": "ann@example.com", "password": PASSWORD}
        httpx.post(f"{stack.url}/api/v1/auth/register", json=payload).raise_for_status()
        forged_path = "/api/v1/items/%0A" + FORGED.replace(" ", "%20").replace("[", "%5B")
        response = httpx.get(stack.url + forged_path.replace("]", "%5D").replace(">", "%3E"))
        assert response.status_code in (401, 404, 422)
        stack.server.wait_for_line(r"demo_app\.requests .*GET /api/v1/items/\\n")
        stack.mail.wait_for(1, timeout=10)
        stack.server.wait_for_line(r"task log_user_action succeeded")
        lines = list(stack.server.lines)
    printed = "\n".join(lines)
    assert not any(line.startswith(FORGED) for line in lines), printed
    assert "ann@example.com" not in printed  # the welcome email's lines are masked
    assert "Sending welcome email to a***@example.com" in printed


async def test_with_no_mail_server_the_console_shows_a_masked_address(env, monkeypatch, capsys):
    monkeypatch.setenv("SMTP_HOST", "")
    get_settings.cache_clear()
    context = {"verify_url": "http://127.0.0.1:8000/api/v1/auth/verify?token=t", "hours": 24}
    await deliver(build_message("alice.smith@example.com", "welcome", context, key="k"))
    printed = capsys.readouterr().out
    assert "a***@example.com" in printed and "alice.smith@" not in printed
