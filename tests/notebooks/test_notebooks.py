"""Every notebook runs top to bottom ("Run All"), headless, shows what its section teaches,
and keeps to an output budget a reader can read."""

import importlib.util
import itertools
import re
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from tests.support import docs_hook

from guide import sections

pytestmark = pytest.mark.live

ROOT = Path(__file__).parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")
MAX_LINES_PER_CELL = 25
MAX_LINES_PER_NOTEBOOK = 80

# For each notebook, outputs that prove each experiment showed what its prose says
# (regexes over all outputs), and outputs that must not be there.
KEY_OUTPUTS = {
    "01-overview": [
        r"POST /api/v1/auth/register -> 201, response sent at \d+ ms",
        r"send_welcome_email +succeeded +1 +\d+ +\d+ +email 'Welcome",
        r"Not yet: ",  # the exercise, unsolved under Run All
    ],
    "02-available-tasks": [
        r"PUT /api/v1/items/1 -> 200, .*\n.*\n +send_item_notification +succeeded.*\n"
        r" +log_user_action +succeeded.*\n +process_item_completion +succeeded",
        r"send_batch_email +succeeded .*'Tasks weekly'",
        r"process_upload +succeeded",
        r"'status': 'done', 'line_count': 2, 'word_count': 11",
        # recorded at the response's last byte, before its tasks (not after them)
        r"recorded: POST /api/v1/auth/register -> 201, response sent at \d+ ms; its tasks now: "
        r"send_welcome_email (queued|running), log_user_action queued",
        r"'cleanup_old_data': \d",
        r"Not yet: ",
    ],
    "03-how-they-work": [
        r"A: resize +0 +\d+\n +A: thumbnail +\d+ +\d+\n +A: notify",
        r"│ order 7: saved\n +│ RuntimeError: order 7: payment service unavailable",
        r"send_welcome_email +succeeded.*\n +log_user_action +succeeded",
        r"Not yet: ",
    ],
    "04-using-in-routes": [
        r"│ task from yield-dependency\n.*│ task from sub-dependency\n"
        r".*│ task from dependency\n.*│ task from endpoint\n(.*\n)*.*/signup-swapped.*\n"
        r".*│ task from sub-dependency\n.*│ task from dependency\n"
        r".*│ task from yield-dependency\n.*│ task from endpoint",
        r'"queued_tasks":1\}\n.*"queued_tasks":1\}\n.*"queued_tasks":1\}',
        r"^\[1, 2\]$",
        r"│ ann: audit written\n.*POST /right/bob.*\n.*│ bob: welcome email sent\n.*│ bob: audit",
        r"Not yet: ",
    ],
    "05-patterns": [
        r"^\['Achievement unlocked: First step'\]$",
        r"^succeeded \S+ \{'username': 'ann', 'action': 'REGISTER', 'details': '[^']*'\}$",
        r"the newsletter reached: \['ann@example.com'\]",
        r"'filename': 'passwd'",
        r"Not yet: ",
    ],
    "06-error-handling": [
        r"│ order 7: saved\n +│ RuntimeError: order 7",
        r"send_welcome_email +retrying +1 .*SMTPRecipientsRefused",
        r"send_welcome_email +succeeded +[23] .*\n.*\nwelcome emails to ann: 1$",
        r"send_welcome_email +dead +3 .*SMTPRecipientsRefused",
        # the subject, cut to the table's width
        r"retry -> 202 .*\n.*\n.*\n +send_welcome_email +succeeded .*'Welcome to the guide demo",
        r"Not yet: ",
    ],
    "07-monitoring": [
        r"X-Request-ID in the response: trace-42-[0-9a-f]{8}\n",
        r"│ \[trace-42-[0-9a-f]{8}\] task log_user_action succeeded",
        r"sent no id -> got [0-9a-f]{32}\n",
        r"sent \{'X-Request-ID': 'not a token; DROP TABLE'\} -> got [0-9a-f]{32}\n",
        r"send_welcome_email +\{'succeeded': \d+, 'retrying': 1\} +success rate 1.0",
        r"'runs_waiting_for_retry': 1, .*'status': 'ok'",
        r"send_welcome_email .*success rate 1.0 .*p95 \d+\.\d ms",
        r"send_welcome_email +retrying +1 .*SMTPRecipientsRefused",
        r"INFO +demo_app.tasks +task log_user_action succeeded",
        r"Not yet: ",
    ],
    "08-best-practices": [
        # blocked: /ping waits for the sleeping async def task (1 s); in a thread, it does not
        r"│ async def report: started\nGET /ping -> 200 \S+ in ([5-9]\d\d|\d{4,}) ms",
        r"│ def report: started\nGET /ping -> 200 \S+ in (\d{1,2}|[1-4]\d\d) ms",
        r"ValueError: never pass secrets to a background task: \['password'\]",
        r"sent now, per call: \[True, False\]\nwelcome emails to zed: 1$",
        r"^anyio.to_thread.run_sync holds 1 of AnyIO's 40 tokens",
        r"^asyncio.to_thread holds 0 of AnyIO's 40 tokens",
        r"Not yet: ",
    ],
    "09-limitations": [
        r"Waiting for background tasks to complete.*\n +│ export a: done",
        r"│ export b: started\nexit code -9$",
        r"SIGTERM: exit code -15, 1\.\d s after the signal\n(?:(?!export d: done).*\n)*"
        r"SIGINT: exit code 0, 2\.\d s after the signal\n(.*\n)*.*│ export d: done",
        r"\('send_welcome_email', 'running', 1\), \('log_user_action', 'queued', 0\)",
        # the try: 2 if the restart took longer than the send limit, else 3 (one waited)
        r"send_welcome_email +succeeded +[23] .*\n +log_user_action +succeeded.*\n"
        r"welcome emails to ann: 1$",
        r"GET /ping while the task runs: \{'ping': 'pong'\}\n +│ index big: done",
        r"Not yet: ",
    ],
    "10-upgrade-path": [
        r"The web app printed:\n +│ \[[^\]]+\] POST /api/v1/auth/register -> 201\n"
        r" +│ \[[^\]]+\] task send_welcome_email started",
        r"The web app printed:\n +│ \[[^\]]+\] POST /api/v1/auth/register -> 201\n"
        r"The workers printed:\n( +│ w[12]: .*\n)*?"
        r" +│ w[12]: \[[^\]]+\] task send_welcome_email succeeded",
        r"^cat: \{.*'send_welcome_email': 'w[12]'",
        r"send_welcome_email +retrying +1 .*SMTP",
        r"welcome emails to dan: 1$",
        r"Not yet: ",
    ],
}
NOT_IN_OUTPUTS = {
    "03-how-they-work": ["order 7: receipt sent"],
    "04-using-in-routes": ["task from yield-dependency, after yield", "ann: welcome email sent"],
    "06-error-handling": ["order 7: receipt sent"],
    "09-limitations": ["export b: done", "export b: cancelled"],
}

# What a reader is never shown: the harness's own requests (the admin it makes, its
# logins, the run list it reads), the scheduler's lines (request id "-"), the tasks' own
# prints (their log lines say the same: one format per event), uvicorn's access lines.
HIDDEN = {
    "a harness request": re.compile(r"harness-|GET /api/v1/tasks(\?| ->)|/auth/login ->"),
    "a scheduler line": re.compile(r"\[-\] "),
    "a task's print beside its log line": re.compile(r"\[(TASK|AUDIT|EMAIL)\]"),
    "an access-log line": re.compile(r'"(GET|POST|PUT|DELETE) /\S* HTTP/1\.1" \d{3}'),
}
# Two writes on one line: a log line's start after other text (`... to annINFO:  ...`), or
# two request ids on one app line.
INTERLEAVED = re.compile(
    r"\S(INFO|WARNING|ERROR)(:\s| demo_app)|│ (w\d: )?\[[^\]]+\] .*\[\w+-\d+-[0-9a-f]{8}\]"
)
APP_EVENT = re.compile(r"│ (w\d: )?\[[^\]]+\] ")


def cell_text(cell) -> str:
    texts = []
    for output in cell.get("outputs", []):
        texts.append(output.get("text", ""))
        data = output.get("data", {})
        if "text/plain" in data and "image/png" not in data:
            texts.append(str(data["text/plain"]))
    return ANSI.sub("", "".join(texts))


def outputs(notebook) -> str:
    return "\n".join(cell_text(cell) for cell in notebook.cells)


def test_there_is_one_notebook_per_section():
    expected = [f"{s.number:02d}-{s.slug}" for s in sections.load(sections.CONTENT_DIR)]
    assert [path.stem for path in NOTEBOOKS] == expected


def test_every_notebook_has_key_outputs_to_show():
    assert sorted(KEY_OUTPUTS) == [path.stem for path in NOTEBOOKS]
    assert all(KEY_OUTPUTS.values()), "a notebook with no key output proves nothing"


def test_each_notebook_ends_with_its_sections_exercise_shared_with_the_terminal():
    """Run All reaches the exercise once the lessons' servers are stopped; the exercise is
    guide.exercises' (the terminal's) for the notebook's section; no cell solves it (the
    solutions are guide/exercises/solutions/, run by tests/exercises/)."""
    for path in NOTEBOOKS:
        number = int(path.stem[:2])
        cells = [c for c in nbformat.reads(path.read_text(), 4).cells if c.cell_type == "code"]
        assert cells[-1].source == f"verdict = check({number})", path.stem
        assert f"exercise({number})" in cells[-2].source, path.stem
        assert "from guide.exercises import check, exercise" in cells[-2].source, path.stem
        assert not any("solution" in c.source for c in cells), f"{path.stem}: a solution"


DOCS_NOTEBOOKS = docs_hook("notebooks")


def execute(path: Path) -> nbformat.NotebookNode:
    """The notebook run top to bottom in a fresh kernel, once in this test run: the docs
    build publishes the same execution (docs/hooks/notebooks.py, whichever asks first runs
    it, the other waits for it)."""
    return nbformat.read(DOCS_NOTEBOOKS.executed_copy(path), as_version=4)


@pytest.fixture(scope="module")
def executed(request) -> Iterator[dict[str, Future]]:
    """The selected notebooks, run one at a time (one kernel at a time) in the background,
    longest first."""
    selected = set()
    for item in request.session.items:
        if getattr(item, "module", None) is not sys.modules[__name__]:
            continue
        params = getattr(item, "callspec", None)
        if params and "path" in params.params:
            selected.add(params.params["path"])
        elif item.name == "test_one_requests_steps_take_turns_and_two_requests_overlap":
            selected.add(next(path for path in NOTEBOOKS if path.stem == "03-how-they-work"))
    with ThreadPoolExecutor(1) as pool:
        yield {
            path.stem: pool.submit(execute, path)
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
        assert re.search(pattern, text, re.M), f"{path.stem}: no output matching {pattern!r}"
    for absent in NOT_IN_OUTPUTS.get(path.stem, []):
        assert absent not in text, f"{path.stem}: {absent!r} in the outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_output_budget(path, executed):
    notebook = executed[path.stem].result()
    total = 0
    for number, cell in enumerate(notebook.cells):
        lines = cell_text(cell).splitlines()
        total += len(lines)
        where = f"{path.stem}, cell {number}"
        assert len(lines) <= MAX_LINES_PER_CELL, f"{where}: {len(lines)} lines"
        for line in lines:
            for what, pattern in HIDDEN.items():
                assert not pattern.search(line), f"{where}: {what}: {line!r}"
            assert not INTERLEAVED.search(line), f"{where}: interleaved: {line!r}"
    assert total <= MAX_LINES_PER_NOTEBOOK, f"{path.stem}: {total} lines of output"
    events = Counter(line for line in outputs(notebook).splitlines() if APP_EVENT.search(line))
    twice = [line for line, count in events.items() if count > 1]
    assert not twice, f"{path.stem}: shown twice: {twice}"


SHOWN_REQUEST = re.compile(r"^\S+ \S+ -> \d{3}, response sent at (\d+) ms  \[[^\]]+\]$")
SHOWN_RUN = re.compile(r"^  (\w+) +(\w+) +(\d+) +(\d+) +(\d+)(  .*)?$")
JOB_STEP = re.compile(r"^  ([AB]): (\w+) +(\d+) +(\d+)$")


def shown_requests(text: str) -> list[tuple[int, list[tuple[str, int, int]]]]:
    """Each table show() printed: the response's ms, and each finished run's (name, start, end)."""
    tables: list[tuple[int, list[tuple[str, int, int]]]] = []
    for line in text.splitlines():
        if request := SHOWN_REQUEST.match(line):
            tables.append((int(request[1]), []))
        elif (run := SHOWN_RUN.match(line)) and tables:
            tables[-1][1].append((run[1], int(run[4]), int(run[5])))
    return tables


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_shown_task_ran_after_its_response_and_in_turn(path, executed):
    """What the tables say, checked on their numbers: every task started after its
    request's response was sent; in-process, a request's tasks ran one at a time (on
    Celery, notebook 10, two workers may run them at once)."""
    tables = shown_requests(outputs(executed[path.stem].result()))
    if path.stem.startswith(("01", "02", "03", "05", "06", "07", "09", "10")):
        assert tables, f"{path.stem}: no show() table"
    for response_ms, runs in tables:
        for name, start, _ in runs:
            assert start >= response_ms, f"{path.stem}: {name} started before the response"
        if not path.stem.startswith("10"):
            ordered = sorted(runs, key=lambda run: run[1])
            for before, after in itertools.pairwise(ordered):
                assert after[1] >= before[2], f"{path.stem}: {after[0]} overlapped {before[0]}"


def test_one_requests_steps_take_turns_and_two_requests_overlap(executed):
    """Notebook 3's prose: job A's steps each start once the one before is done; job B's
    steps run while job A's are still running."""
    steps = {}
    for line in outputs(executed["03-how-they-work"].result()).splitlines():
        if step := JOB_STEP.match(line):
            steps[step[1], step[2]] = (int(step[3]), int(step[4]))
    order = ["resize", "thumbnail", "notify"]
    for job in "AB":
        for before, after in itertools.pairwise(order):
            assert steps[job, after][0] >= steps[job, before][1], (job, steps)
    assert steps["B", "resize"][0] < steps["A", "notify"][1], steps
