"""The notebooks on the site: each one executed at build time, published as a page.

Before the pages are built, every notebook under notebooks/ is run top to bottom in a fresh
kernel (nbclient, as the test suite does; a failing cell fails the build), a few at a time,
and its executed copy becomes the page `notebooks/NN-name/`: the Markdown cells as they
are, each code cell with what it printed, its charts as PNG files beside the page. Each
section page ends with a link to its notebook.

An executed copy is kept in var/notebooks/ under a key made of the notebook and every file
it runs or quotes (the harness, the examples, the exercises, the guide's text, demo_app/,
the lock file): a build after a change runs the notebooks the
change concerns again, and a build with nothing changed runs none. `DOCS_NOTEBOOKS=skip`
publishes them without running them (quick edits under `mkdocs serve`).

The test suite runs the notebooks through `executed_copy` too, in the same cache, one
process at a time per notebook (a lock file beside each copy): the suite's notebook tests
and its docs build share one execution of each. A test run keeps its copies in a folder of
its own (`GUIDE_NOTEBOOKS_RUN`, the run's id), so it executes every notebook itself, once.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
CACHE = ROOT / "var" / "notebooks"
GUIDE = ROOT / "guide"
SOURCES = [  # what the notebooks run or quote
    *(GUIDE / name for name in ("notebook.py", "live", "examples", "exercises", "content")),
    *(GUIDE / name for name in ("sections.py", "markdown.py", "render.py")),
    ROOT / "demo_app",
    ROOT / "requirements.lock",
    Path(__file__),
]
JOBS = 2  # kernels at once: they mostly wait on their servers, but the suite runs beside them
TIMEOUT = 120  # seconds for one cell


def fingerprint() -> str:
    """What the notebooks' outputs depend on besides themselves."""
    digest = hashlib.sha256()
    for source in SOURCES:
        files = [source] if source.is_file() else sorted(source.rglob("*"))
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_dir() -> Path:
    """var/notebooks/, or a test run's own folder in it (`GUIDE_NOTEBOOKS_RUN`)."""
    run = os.environ.get("GUIDE_NOTEBOOKS_RUN")
    return CACHE / f"run-{run}" if run else CACHE


def cached_path(notebook: Path, sources: str) -> Path:
    key = hashlib.sha256(notebook.read_bytes() + sources.encode()).hexdigest()[:16]
    return cache_dir() / f"{notebook.stem}-{key}.ipynb"


def forget_old_runs(hours: float = 2.0) -> None:
    """Remove the folders of test runs that ended (untouched for `hours`)."""
    for folder in CACHE.glob("run-*"):
        if folder != cache_dir() and time.time() - folder.stat().st_mtime > hours * 3600:
            shutil.rmtree(folder, ignore_errors=True)


def executed_copy(notebook: Path, sources: str | None = None) -> Path:
    """The notebook's executed copy for these sources: kept, or run now. Another process
    running the same notebook meanwhile is waited for, and its copy taken."""
    target = cached_path(notebook, sources or fingerprint())
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not target.exists():
            execute(notebook, target)
    return target


def execute(notebook: Path, target: Path) -> None:
    """Run the notebook in a fresh kernel, in a temporary folder; keep the executed copy."""
    from nbclient import NotebookClient

    executed = nbformat.read(notebook, as_version=4)
    with tempfile.TemporaryDirectory(prefix="guide-notebook-") as workdir:
        client = NotebookClient(
            executed,
            timeout=TIMEOUT,
            kernel_name="python3",
            resources={"metadata": {"path": workdir}},
        )
        # the kernel's own stderr (a warning about its local TCP ports) is not the build's
        asyncio.run(client.async_execute(stderr=subprocess.DEVNULL))
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")  # one per build
    nbformat.write(executed, partial)
    partial.replace(target)  # atomic: a concurrent build sees all of it or nothing


def executed_notebooks() -> dict[str, Path]:
    """Each notebook's executed copy (run now if there is none for this content)."""
    cache_dir().mkdir(parents=True, exist_ok=True)
    forget_old_runs()
    sources = fingerprint()
    wanted = {path.stem: cached_path(path, sources) for path in sorted(NOTEBOOKS.glob("*.ipynb"))}
    # the last sections' notebooks (Celery, shutdowns) take longest: they start first
    stale = [stem for stem, target in reversed(wanted.items()) if not target.exists()]
    if stale:
        began = time.perf_counter()
        with ThreadPoolExecutor(JOBS) as pool:
            runs = [pool.submit(executed_copy, NOTEBOOKS / f"{s}.ipynb", sources) for s in stale]
            for run in runs:
                run.result()
        took = time.perf_counter() - began
        print(f"INFO    -  notebooks: ran {len(stale)} of {len(wanted)} in {took:.0f} s")
    keep = set(wanted.values())
    for old in [*cache_dir().glob("*.ipynb"), *cache_dir().glob("*.lock")]:
        if old.with_suffix(".ipynb") not in keep:
            old.unlink(missing_ok=True)
    return wanted


def page_markdown(notebook: nbformat.NotebookNode, stem: str) -> tuple[str, dict[str, bytes]]:
    """The notebook as Markdown, and its charts as {file name: PNG bytes}."""
    parts: list[str] = []
    images: dict[str, bytes] = {}
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            parts.append(cell.source)
            if number == 0:
                parts.append(
                    f'!!! note "Executed when this site was built"\n'
                    f"    This page is `notebooks/{stem}.ipynb`, run top to bottom while the "
                    "site was built, with what each cell printed. To run it yourself and "
                    "change it: `make notebooks`."
                )
            continue
        if cell.cell_type != "code":
            continue
        parts.append(f"```python\n{cell.source}\n```")
        text: list[str] = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                name = f"{stem}-{len(images) + 1}.png"
                images[name] = base64.b64decode(data["image/png"])
                parts.extend(fence(text))
                text = []
                parts.append(f"![a chart drawn by this cell]({name})")
            elif output.get("output_type") == "stream":
                text.append(output.get("text", ""))
            elif "text/plain" in data:
                text.append(str(data["text/plain"]) + "\n")
        parts.extend(fence(text))
    return "\n\n".join(parts) + "\n", images


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def fence(text: list[str]) -> list[str]:
    """Printed text as a code block: no terminal colours, no trailing spaces."""
    lines = ANSI.sub("", "".join(text)).rstrip("\n").splitlines()
    body = "\n".join(line.rstrip() for line in lines)
    return [f'```text title="output"\n{body}\n```'] if body.strip() else []


def notebook_link(stem: str) -> str:
    return (
        f"\n\n---\n\n[Run this section live: notebook {stem[:2]}]"
        f"(../notebooks/{stem}.md) (the demo app, cell by cell, as executed when this "
        "site was built; `make notebooks` opens it in JupyterLab).\n"
    )


# mkdocs events. on_files runs first of all plugins (priority 100), so the pages it adds
# are there for the nav and for every other plugin.


@event_priority(100)
def on_files(files: Files, config) -> Files:
    skip = os.environ.get("DOCS_NOTEBOOKS") == "skip"
    if skip:
        sources = {path.stem: path for path in sorted(NOTEBOOKS.glob("*.ipynb"))}
    else:
        sources = executed_notebooks()
    for stem, path in sources.items():
        markdown, images = page_markdown(nbformat.read(path, as_version=4), stem)
        if skip:
            markdown = markdown.replace(
                '"Executed when this site was built"', '"Not executed (DOCS_NOTEBOOKS=skip)"'
            )
        files.append(File.generated(config, f"notebooks/{stem}.md", content=markdown))
        for name, png in images.items():
            files.append(File.generated(config, f"notebooks/{name}", content=png))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    uri = page.file.src_uri
    if uri.startswith("sections/") and (NOTEBOOKS / f"{Path(uri).stem}.ipynb").exists():
        return markdown + notebook_link(Path(uri).stem)
    return markdown
