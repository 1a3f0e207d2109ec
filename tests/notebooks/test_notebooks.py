"""Every notebook runs top to bottom, headless, and shows what its section teaches."""

import asyncio
import os
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from guide import sections

pytestmark = pytest.mark.live

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Two notebooks at a time: each is mostly a kernel and servers starting, about one core's
# work, so two fill this suite's two cores; more would slow the timings they measure.
# Under pytest-xdist (`make test`) another worker runs the other tests beside this module:
# one notebook at a time then. Reverse order puts the longest (10, Celery; 09, shutdowns)
# first, the short ones last.
JOBS = 1 if os.environ.get("PYTEST_XDIST_WORKER") else 2

# For each notebook, outputs that prove the experiment happened (regexes over all outputs).
KEY_OUTPUTS = {
    "01-overview": [r"response sent after \d+ ms; welcome email done after \d+ ms", r"Right:"],
    "02-available-tasks": [
        r"(\d) of \1 registered tasks ran; not run: none",
        r"Right: send_item_notification → log_user_action → process_item_completion",
    ],
    "03-how-they-work": [
        r"each after the one before it was done: True",
        r"while job A's first step was running: True",
        r"receipt sent: False",
    ],
    "04-using-in-routes": [
        r"4 tasks ran, in the order added; the task added after `yield` ran: False",
        r"queued_tasks per request: \[1, 1, 1\]",
        r"/wrong ran 1 of 2 tasks, /right ran 2 of 2",
    ],
    "05-patterns": [
        r"'First step' emails: 1; process_item_completion ran 2 times",
        r"the newsletter reached \['ann@example.com'\]",
        r"display name: 'passwd'",
    ],
    "06-error-handling": [
        r"receipt sent: False",
        r"ann's welcome email: succeeded on attempt [23]; delivered once",
        r"bob's welcome email: dead after 3 attempts",
    ],
    "07-monitoring": [
        r"X-Request-ID in the response: trace-42-[0-9a-f]{8}\n",
        r"send_welcome_email .*success rate 1.0 .*p95 \d+\.\d ms",
        r"[1-9]\d* JSON entries carry request_id json-1-[0-9a-f]{8},",
    ],
    "08-best-practices": [
        r"the async def task froze the server: True; the def task did: False",
        r"ValueError: never pass secrets to a background task: \['password'\]",
        r"welcome emails to zed: 1",
    ],
    "09-limitations": [
        r"the export finished before the process did: True",
        r"export b done: False",
        r"welcome emails to ann: 1 \(delivered once\)",
    ],
    "10-upgrade-path": [
        r"inprocess: .*the welcome email's task line came from the web app: True",
        r"celery: .*the welcome email's task line came from worker w[12]; the web app printed "
        r"it: False",
        r"welcome emails to dan: 1 \(delivered once\)",
    ],
}


def outputs(notebook) -> str:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            texts.extend(str(v) for k, v in output.get("data", {}).items() if k == "text/plain")
    return ANSI.sub("", "\n".join(texts))


def test_there_is_one_notebook_per_section():
    expected = [f"{s.number:02d}-{s.slug}" for s in sections.load(sections.CONTENT_DIR)]
    assert [path.stem for path in NOTEBOOKS] == expected


def test_every_notebook_has_key_outputs_to_show():
    assert sorted(KEY_OUTPUTS) == [path.stem for path in NOTEBOOKS]
    assert all(KEY_OUTPUTS.values()), "a notebook with no key output proves nothing"


def execute(path: Path, workdir: Path) -> nbformat.NotebookNode:
    """Run a notebook in a fresh kernel (on this thread's own event loop, closed after)."""
    notebook = nbformat.reads(path.read_text(), as_version=4)
    client = NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": workdir}}
    )
    asyncio.run(client.async_execute())
    return notebook


@pytest.fixture(scope="module")
def executed(request, tmp_path_factory) -> Iterator[dict[str, Future]]:
    """The selected notebooks, run JOBS at a time in the background, longest first."""
    selected = [
        item.callspec.params["path"]
        for item in request.session.items
        if getattr(item, "function", None) is test_notebook_runs_and_shows_its_point
    ]
    with ThreadPoolExecutor(JOBS) as pool:
        yield {
            path.stem: pool.submit(execute, path, tmp_path_factory.mktemp(path.stem))
            for path in sorted(selected, reverse=True)
        }
        pool.shutdown(cancel_futures=True)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_shows_its_point(path, executed):
    source = path.read_text()
    assert not re.search(r"/(work|tmp|root|home)/", source), "machine paths in the notebook"
    committed = nbformat.reads(source, as_version=4)
    assert all(not c.get("outputs") for c in committed.cells if c.cell_type == "code"), (
        "commit notebooks without outputs (the suite makes them)"
    )
    text = outputs(executed[path.stem].result())
    for pattern in KEY_OUTPUTS[path.stem]:
        assert re.search(pattern, text), f"{path.stem}: no output matching {pattern!r}"
