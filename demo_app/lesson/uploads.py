"""The lesson ring: uploads: 202 Accepted now, the result at a status URL once a background
task is done."""

from __future__ import annotations

import codecs
import os
import re
import unicodedata

import anyio
from fastapi import APIRouter, HTTPException, Request, UploadFile, status

from demo_app.config import get_settings
from demo_app.deps import CurrentUser, SessionDep, Tasks
from demo_app.lesson.tasks import process_upload
from demo_app.models import Upload, id_of
from demo_app.platform.quotas import (
    QUOTA_EXCEEDED,
    hold_quota,
    refuse_over_quota,
    upload_bytes_left,
)
from demo_app.platform.responses import UNAUTHORIZED, error, not_found
from demo_app.schemas import HexId, UploadAccepted, UploadStatus

router = APIRouter(prefix="/uploads", tags=["uploads"], responses=UNAUTHORIZED)

CHUNK = 64 * 1024
# Boundaries and part headers around the file's bytes: the route's body limit is
# MAX_UPLOAD_BYTES plus this (main.py), so a bigger upload is cut off at 413 as it arrives.
MULTIPART_OVERHEAD = 16 * 1024


def display_name(filename: str | None) -> str:
    """The client's filename, for display only: last path part, safe characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFKC", name)
    name = re.sub(r"[^\w.\- ]", "_", name).strip(" .")
    return name[:100] or "upload.txt"


def decodes(decoder: codecs.IncrementalDecoder, chunk: bytes, final: bool = False) -> bool:
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError:
        return False
    return True


def private(path: str, flags: int) -> int:
    """Open for `open()`: a new file readable by this user only, whatever the umask."""
    return os.open(path, flags, 0o600)


async def save_limited(file: UploadFile, path: anyio.Path, limit: int) -> int:
    """Copy the upload to `path` chunk by chunk; 413 (and nothing kept) over `limit` bytes,
    415 if its bytes are not UTF-8 text (the Content-Type is only the client's word)."""
    size = 0
    text = codecs.getincrementaldecoder("utf-8")()
    try:
        async with await anyio.open_file(path, "wb", opener=private) as out:
            while chunk := await file.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise HTTPException(
                        status.HTTP_413_CONTENT_TOO_LARGE,
                        f"File too large: the limit is {limit} bytes",
                    )
                if b"\0" in chunk or not decodes(text, chunk):
                    raise HTTPException(
                        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "Not a text file: UTF-8 only"
                    )
                await out.write(chunk)
            if not decodes(text, b"", final=True):  # ends inside a character
                raise HTTPException(
                    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "Not a text file: UTF-8 only"
                )
    except BaseException:
        await path.unlink(missing_ok=True)
        raise
    return size


# --8<-- [start:upload]
@router.post(
    "",
    response_model=UploadAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        413: error("The file is larger than UPLOAD_MAX_BYTES"),
        415: error("Not a text file"),
        429: QUOTA_EXCEEDED,
    },
)
async def upload_text_file(
    file: UploadFile, request: Request, user: CurrentUser, session: SessionDep, tasks: Tasks
) -> UploadAccepted:
    settings = get_settings()
    if file.content_type and not file.content_type.startswith("text/"):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "Upload a text file (text/plain)"
        )
    await upload_bytes_left(session, user)  # 429 before a byte is read, if already past
    upload = Upload(owner_id=id_of(user), filename=display_name(file.filename), size_bytes=0)
    folder = anyio.Path(settings.upload_dir)
    await folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # private: users' files
    # Stored under a name the server made: the client's filename never touches the disk.
    path = folder / upload.id
    upload.size_bytes = await save_limited(file, path, settings.max_upload_bytes)
    # Counted again, held until the commit: the user's other uploads wait for this decision.
    await hold_quota(session, id_of(user))
    left = await upload_bytes_left(session, user, on_refusal=path)  # 429: the file removed
    await refuse_over_quota(session, user, path, upload.size_bytes, left)  # 429: file removed
    session.add(upload)
    tasks.add_task(process_upload, upload.id)  # an async def task: awaited on the loop
    await session.commit()
    # A path, not request.url_for(): that is built from the request's Host header, which
    # the client chose, so a forged Host would come back as a link to someone else's site.
    status_url = request.app.url_path_for("read_upload", upload_id=upload.id)
    return UploadAccepted(id=upload.id, status=upload.status, status_url=status_url)


# --8<-- [end:upload]


@router.get("/{upload_id}", response_model=UploadStatus, responses=not_found("upload"))
async def read_upload(upload_id: HexId, user: CurrentUser, session: SessionDep) -> Upload:
    upload = await session.get(Upload, upload_id)
    if upload is None or upload.owner_id != user.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Upload {upload_id} not found")
    return upload
