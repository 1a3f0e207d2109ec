"""How do I process an uploaded file in a background task?

Save it in the endpoint, under a name the server chooses, and pass the task the path (or,
for small files, the bytes). FastAPI closes the `UploadFile` when the request is over: on
this release after its `add_task` tasks, but work that outlives the request (`create_task`,
a thread, a queue) gets `ValueError: I/O operation on closed file`.

Measured: the saved copy reaches the task and is deleted after it; the client's
filename is not used; an `UploadFile` read by a `create_task` after the response is closed.
"""

import shutil
import tempfile
import uuid
from pathlib import Path

from fastapi import BackgroundTasks, FastAPI, UploadFile

app = FastAPI()
UPLOAD_DIR = Path(tempfile.gettempdir()) / "recipe-uploads"
line_counts: dict[str, int] = {}


def count_lines(upload_id: str, path: Path) -> None:
    with path.open("rb") as saved:
        line_counts[upload_id] = sum(1 for _ in saved)
    path.unlink()


@app.post("/uploads")
def upload(file: UploadFile, background_tasks: BackgroundTasks):  # def: copying blocks
    upload_id = uuid.uuid4().hex
    UPLOAD_DIR.mkdir(exist_ok=True)
    path = UPLOAD_DIR / upload_id  # never the client's filename: it may be "../../x"
    with path.open("wb") as saved:
        shutil.copyfileobj(file.file, saved)
    background_tasks.add_task(count_lines, upload_id, path)
    return {"upload_id": upload_id}
