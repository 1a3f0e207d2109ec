"""The docs site, built once per test session with `mkdocs build --strict`.

The build records real outputs by running the demo app (docs/hooks/outputs.py) and
executes the ten notebooks (docs/hooks/notebooks.py, kept in var/notebooks/ until what
they run changes), so a first build takes a minute or two; every test here reads the same
built directory.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from guide.live.process import run_whole
from tests.docs.support import Site
from tests.support import REPO


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    target = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("DOCS_OUTPUTS", None)  # the tests want the real outputs, never the placeholders
    started = time.time()
    build = run_whole(  # past its time, the notebooks' kernels and demo apps stop with it
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(target)],
        cwd=REPO,
        env=env,
        timeout=600,  # a first build runs every notebook: about 1-2 min, longer under load
    )
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stderr}"
    return Site(target, build.stderr, started)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(site: Site) -> Iterator[str]:
    """The built site over HTTP on a free 127.0.0.1 port."""
    handler = functools.partial(_QuietHandler, directory=str(site.path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
