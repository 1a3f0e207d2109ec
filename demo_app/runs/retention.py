"""The runs ring: retention. Personal data is kept RETENTION_DAYS, then removed by a task
the scheduler (or Celery beat) runs, not by a request.
"""

from __future__ import annotations

from datetime import timedelta

import anyio
from sqlalchemy import delete
from sqlmodel import col, or_, select

from demo_app import db
from demo_app.config import get_settings
from demo_app.models import (
    AuditLog,
    EmailDelivery,
    Item,
    Newsletter,
    RequestRecord,
    RunStatus,
    TaskRun,
    Upload,
    utcnow,
)
from demo_app.runs.queue import task

CLEANUP_BATCH = 500  # uploads removed per transaction: their files first, then the rows
# Kept as long as the account: a badge is announced once ever (lesson/tasks.py).
KEPT_DELIVERIES = "achievement:"


@task
async def cleanup_old_data() -> dict[str, int]:
    """Remove what holds personal data past its retention period: soft-deleted items, audit
    rows, request records, finished task runs (failed and dead ones after
    RETENTION_FAILED_RUNS_DAYS), email deliveries, newsletters, and uploads with their files.

    Deleting what is already gone is a no-op, so it is safe to run twice, or to be stopped
    half-way: an upload's file is removed before its row, so no row points at nothing for
    long and no file is left without a row.
    """
    settings = get_settings()
    cutoff = utcnow() - timedelta(days=settings.retention_days)
    failed_cutoff = utcnow() - timedelta(days=settings.retention_failed_runs_days)
    finished = col(TaskRun.finished_at)
    # A delivery is the record that its email was sent: kept while its run may run again.
    may_run_again = select(TaskRun.id).where(col(TaskRun.status) != RunStatus.SUCCEEDED)
    statements = {
        "items": delete(Item).where(col(Item.deleted_at) < cutoff),
        "audit_logs": delete(AuditLog).where(col(AuditLog.created_at) < cutoff),
        "request_records": delete(RequestRecord).where(col(RequestRecord.received_at) < cutoff),
        "task_runs": delete(TaskRun).where(
            or_(
                (col(TaskRun.status) == RunStatus.SUCCEEDED) & (finished < cutoff),
                col(TaskRun.status).in_((RunStatus.FAILED, RunStatus.DEAD))
                & (finished < failed_cutoff),
            )
        ),
        "email_deliveries": delete(EmailDelivery).where(
            col(EmailDelivery.claimed_at) < cutoff,
            ~col(EmailDelivery.idempotency_key).startswith(KEPT_DELIVERIES),
            col(EmailDelivery.run_id).not_in(may_run_again),
        ),
        "newsletters": delete(Newsletter).where(col(Newsletter.created_at) < cutoff),
    }
    async with db.session() as session:
        removed = {name: (await session.exec(stmt)).rowcount for name, stmt in statements.items()}
        await session.commit()
        removed["uploads"] = await remove_old_uploads(session, cutoff)
    print(f"🧹 [TASK] Cleanup removed {removed}", flush=True)
    return removed


async def remove_old_uploads(session, cutoff) -> int:
    """Uploads older than `cutoff`: each one's file (off the event loop), then the rows."""
    folder = anyio.Path(get_settings().upload_dir)
    old = select(Upload.id).where(col(Upload.created_at) < cutoff).limit(CLEANUP_BATCH)
    removed = 0
    while upload_ids := list((await session.exec(old)).all()):
        for upload_id in upload_ids:  # ids the server made (hex): never a client's path
            await (folder / upload_id).unlink(missing_ok=True)
        rows = await session.exec(delete(Upload).where(col(Upload.id).in_(upload_ids)))
        await session.commit()
        removed += rows.rowcount
    return removed
