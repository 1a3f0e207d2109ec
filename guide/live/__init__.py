"""The live harness: the demo app (and Redis, Celery) on 127.0.0.1, and one way to drive it.

The tour, the notebooks, the docs recorder, the benchmarks and the live tests all use it:

- `process`: `LiveServer`, a child process whose output lines are kept; `Cursor`, which
  reads such a growing list once, skipping nothing;
- `stack`: `demo_stack()`, the demo app with a fresh database and a local SMTP sink;
- `client`: `DemoClient`, tagged calls and `wait_for_tasks(response)`, read from the app's
  run records;
- `celery`: Redis, Celery worker processes and beat (`python -m guide worker`).

The guide's reader (`python -m guide N`) never imports this package.
"""

from guide.live.client import DemoClient, Run, elapsed_ms, request_id_of
from guide.live.process import PROTOCOLS, READY, Cursor, LiveServer
from guide.live.stack import FAST_HASHING, PASSWORD, DemoStack, demo_env, demo_stack

__all__ = [
    "FAST_HASHING",
    "PASSWORD",
    "PROTOCOLS",
    "READY",
    "Cursor",
    "DemoClient",
    "DemoStack",
    "LiveServer",
    "Run",
    "demo_env",
    "demo_stack",
    "elapsed_ms",
    "request_id_of",
]
