"""How long `python -m guide` takes to print, next to the cost of importing rich alone.

Each command runs in a fresh interpreter, RUNS times after one warm-up run; the median is
shown with its ratio to `import rich`. A benchmark, not a test: it asserts nothing.

    .venv/bin/python bench/cli_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASELINE = "import rich"
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    BASELINE: ["-c", "import rich"],
    "import rich.markdown, rich.console": ["-c", "import rich.markdown, rich.console"],
    "python -m guide 3 --plain": ["-m", "guide", "3", "--plain"],
    "python -m guide list": ["-m", "guide", "list"],
}


def median_seconds(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, *args], cwd=REPO, capture_output=True, check=True, timeout=60
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per command (default 15)")
    runs = parser.parse_args().runs
    medians = {name: median_seconds(args, runs) for name, args in COMMANDS.items()}
    print(f"median of {runs} runs, {sys.executable}")
    for name, seconds in medians.items():
        ratio = seconds / medians[BASELINE]
        print(f"  {name:<38} {seconds * 1000:7.1f} ms   {ratio:5.2f} x {BASELINE}")


if __name__ == "__main__":
    main()
