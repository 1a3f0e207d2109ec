"""The price of durability that sections 6, 9 and 10 state is the one the benchmark measured
last (bench/results/durability*.json, `make bench`): a new run with other figures fails
here until the sentences are updated."""

from __future__ import annotations

import json
import re

import pytest

from bench.costs import report
from guide import sections
from tests.support import REPO

PRICE = re.compile(
    r"\(10 clients, a 100 ms mail server\), recorded runs cost (?P<sqlite_cpu>\d\.\d\d)x the "
    r"server CPU per registration and keep (?P<sqlite_share>\d\.\d\d)x the throughput on "
    r"SQLite, (?P<pg_cpu>\d\.\d\d)x and (?P<pg_share>\d\.\d\d)x on PostgreSQL"
)


def measured(name: str) -> tuple[str, str]:
    data = json.loads((REPO / "bench" / "results" / f"{name}.json").read_text())
    [row] = [r for r in report.durability(data) if (r["latency"], r["concurrency"]) == (100, 10)]
    return f"{row['cpu_ratio']:.2f}", f"{row['throughput_share']:.2f}"


@pytest.mark.parametrize("number", [6, 9, 10])
def test_the_section_states_the_measured_price_of_durability(number):
    text = " ".join(sections.find(str(number), sections.load()).source().split())
    found = PRICE.search(text)
    assert found, f"section {number} does not state the price of durability"
    assert (found["sqlite_cpu"], found["sqlite_share"]) == measured("durability")
    assert (found["pg_cpu"], found["pg_share"]) == measured("durability-postgres")
