"""A throwaway environment for a queue whose pins clash with requirements.lock.

arq 0.26 and later want `redis<6`; the lock has redis 8 (Celery, Taskiq, Dramatiq and RQ
take it). With the lock's pins a resolver can only pick arq 0.25 (2022), so arq runs in
a virtual environment of its own under var/queues/arq/, made once with uv (as `make matrix`
makes its environments) and reused while what it was made from stays the same: arq and its
redis client as pinned here, the web stack (FastAPI, uvicorn, pydantic, aiosmtplib) as the
lock pins it. The repository is on its PYTHONPATH, not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.release_matrix.run import ROOT, UV, locked

HOME = ROOT / "var" / "queues"
ARQ = ["arq==0.28.0", "redis[hiredis]==5.3.1"]
WEB = ["fastapi", "starlette", "uvicorn", "pydantic", "pydantic-core", "anyio", "aiosmtplib"]


def environment(name: str, spec: list[str]) -> Path:
    """The interpreter of the environment `name` installed from `spec`, made now or reused."""
    home = HOME / name
    python, stamp = home / "venv" / "bin" / "python", home / "installed.json"
    if python.exists() and stamp.exists() and json.loads(stamp.read_text()) == spec:
        return python
    shutil.rmtree(home / "venv", ignore_errors=True)
    home.mkdir(parents=True, exist_ok=True)
    for command in (
        [str(UV), "venv", "--quiet", "--python", sys.executable, str(home / "venv")],
        # --compile-bytecode: each process it starts loads .pyc, not the sources compiled anew
        [str(UV), "pip", "install", "--quiet", "--compile-bytecode", "--python", str(python)]
        + spec,
    ):
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    stamp.write_text(json.dumps(spec) + "\n")
    return python


def arq_python() -> Path:
    return environment("arq", [*ARQ, *locked(WEB)])
