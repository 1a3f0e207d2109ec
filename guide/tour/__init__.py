"""`python -m guide tour`: the demo app's background tasks, one step at a time.

The tour runs the real app (uvicorn in a child process, a temporary SQLite database and a
local SMTP server, all on 127.0.0.1) and sends it real HTTP requests. Each step shows the
route code behind it, the task output and emails as they arrive, a timeline of each
request and its tasks on one scale, and the section of the guide to read next. The last
step stops the mail server: a plain BackgroundTasks send loses its email, the demo's
recorded run retries and delivers it.

On a terminal, Enter starts the next step (q, Enter stops). With --auto, or when the
output is piped, the steps follow one another without waiting. Plain text (no escape
codes) with --plain, with NO_COLOR, or when piped. The server and its files are removed
at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m guide tour",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--plain", action="store_true", help="plain text, no colours")
    parser.add_argument(
        "--auto", action="store_true", help="do not wait for Enter between the steps"
    )
    parser.add_argument("--fast", action="store_true", help=argparse.SUPPRESS)  # the old name
    parser.add_argument(
        "--browser",
        action="store_true",
        help="open the live dashboard instead, with a switch for the mail server",
    )
    parser.add_argument(
        "--celery", action="store_true", help="with --browser: the tasks on a Celery worker"
    )
    args = parser.parse_args(argv)
    if args.browser:
        from guide.tour.browser import main as dashboard

        print("Starting the demo app and its dashboard...", flush=True)
        return dashboard(celery=args.celery)
    began = time.perf_counter()
    # At once, before the imports and the servers, which take a few seconds.
    print("Starting the demo app, a temporary database and a local mail server...", flush=True)

    import httpx
    from rich.rule import Rule

    from guide.checkout import checkout_root
    from guide.console import is_plain, make_console
    from guide.tour.run import Pace, Tour, tour_stack
    from guide.tour.where_next import where_next

    plain = is_plain(args.plain)
    auto = args.auto or args.fast or bool(os.environ.get("GUIDE_TOUR_FAST"))
    pace = Pace(auto=auto or not sys.stdout.isatty())
    try:
        with tour_stack() as (stack, plain_app):
            tour = Tour(stack, make_console(plain), plain, pace, plain_app)
            tour.show(
                f"The demo app is running at {stack.url}, with a temporary database "
                "and a local mail server.",
                style="bold",
            )
            with tour.client:
                finished = tour.run()
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, httpx.HTTPError, TimeoutError) as error:
        print(f"The tour stopped: {error}", file=sys.stderr)
        return 1
    tour.show()
    tour.show(Rule("Where next", style="cyan", align="left"))
    took = f"The tour took {time.perf_counter() - began:.1f} s"
    stopped = "" if finished else " (stopped early)"
    gone = "the server and its temporary files are gone"
    tour.show(f"{took}{stopped}; {gone}. Next:\n{where_next(checkout_root())}")
    return 0
