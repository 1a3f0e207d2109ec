"""What the run records add to a registration's database work, as docs/costs.md says:
the plain way commits 6 transactions per registration, the recorded way 4 more (a claim
and an outcome for each of its two runs), counted by `bench.costs.round_trips`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def trips(way: str) -> dict:
    command = [sys.executable, "-m", "bench.costs.round_trips", way]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.live  # runs the counting script as a process
def test_records_add_a_claim_and_an_outcome_per_run():
    plain, recorded = trips("plain"), trips("recorded")

    assert plain["commits"] == 6, plain
    assert recorded["commits"] == plain["commits"] + 2 * 2, recorded
    # the two runs' rows go in with the user: one INSERT, then one claim and one outcome each
    assert recorded["statements"] == plain["statements"] + 1 + 2 * 2, (plain, recorded)


@pytest.mark.live  # runs the counting script as a process
def test_what_runs_while_nobody_registers_reads_little_and_commits_only_the_scheduler():
    """/health is one query (the load balancer's probe); an event-stream poll one query per
    table it follows; an idle scheduler tick beats, recovers (two commits) and finds
    nothing due, with no query for the requests of no runs."""
    health, poll, tick = trips("health"), trips("poll"), trips("tick")

    assert (health["statements"], health["commits"]) == (1, 0), health
    assert (poll["statements"], poll["commits"]) == (3, 0), poll
    # heartbeat 1, recovery 2, due runs 1, the cleanup lease 2 (held: its UPDATE and INSERT)
    assert (tick["statements"], tick["commits"]) == (6, 2), tick
