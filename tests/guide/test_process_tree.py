"""`run_whole`: a command past its time stops with every process it started.

A docs build runs notebook kernels, in sessions of their own, which start demo apps: a
build killed alone at its timeout left them running. `subprocess.run(timeout=...)` kills
only the command itself, as the first check shows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from guide.live.process import alive, run_whole
from tests.records import wait_until

pytestmark = pytest.mark.live  # each test starts processes

# The command starts a grandchild the way a kernel starts: in a new session, so a process
# group kill would miss it; it says its pid, then both sleep far past the timeout.
SPAWNS = textwrap.dedent(
    """
    import subprocess, sys, time
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True
    )
    print(child.pid, flush=True)
    time.sleep(120)
    """
)


def grandchild_of(expired: subprocess.TimeoutExpired) -> int:
    output = expired.stdout or b""
    return int(output.decode() if isinstance(output, bytes) else output)


def test_subprocess_run_leaves_what_the_command_started():
    with pytest.raises(subprocess.TimeoutExpired) as expired:
        subprocess.run([sys.executable, "-c", SPAWNS], capture_output=True, timeout=2)
    pid = grandchild_of(expired.value)
    try:
        assert alive(pid)
    finally:
        os.kill(pid, signal.SIGKILL)


def test_run_whole_stops_the_command_and_all_it_started():
    with pytest.raises(subprocess.TimeoutExpired) as expired:
        run_whole([sys.executable, "-c", SPAWNS], timeout=2)
    pid = grandchild_of(expired.value)
    wait_until(lambda: not alive(pid), timeout=5)  # killed; reaped by whoever adopted it


def test_run_whole_returns_what_the_command_printed():
    done = run_whole([sys.executable, "-c", "import sys; print('out'); sys.exit(3)"], timeout=30)
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "")
