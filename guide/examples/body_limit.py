"""FastAPI's `max_body_size`: a limit for the whole app and a larger one for one route.

The body is read before the dependencies run (authentication included), so without a
limit anyone can make the app read a body of any size. A body over the limit gets 413,
counted as it arrives: a declared Content-Length, a chunked body, a multipart upload."""

from typing import Annotated

from fastapi import BackgroundTasks, FastAPI, File, UploadFile
from pydantic import BaseModel

JSON_LIMIT = 1024  # bytes, for every route unless it sets its own
UPLOAD_LIMIT = 64 * 1024  # the file plus its multipart frame

app = FastAPI(max_body_size=JSON_LIMIT)


class Note(BaseModel):
    text: str


def count_words(label: str, text: str) -> None:
    print(f"{label}: {len(text.split())} words", flush=True)


@app.post("/notes")
async def add_note(note: Note, background_tasks: BackgroundTasks):
    background_tasks.add_task(count_words, "note", note.text)
    return {"accepted": len(note.text)}


@app.post("/uploads", max_body_size=UPLOAD_LIMIT)  # overrides the app's limit
async def upload(file: Annotated[UploadFile, File()], background_tasks: BackgroundTasks):
    text = (await file.read()).decode()  # at most UPLOAD_LIMIT bytes: the limit saw to it
    background_tasks.add_task(count_words, "upload", text)
    return {"accepted": len(text)}
