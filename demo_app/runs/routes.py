"""The runs ring: watching the tasks: run list, stats, manual retry, and one request's
timeline."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from statistics import quantiles

from fastapi import APIRouter, BackgroundTasks, HTTPException, Query, status
from sqlmodel import col, func, select

from demo_app.deps import AdminUser, DispatchDep, SessionDep
from demo_app.models import RequestRecord, RunStatus, TaskRun, utcnow
from demo_app.platform.responses import ADMINS_ONLY, error, not_found
from demo_app.runs.queue import instance_id
from demo_app.schemas import (
    HexId,
    Offset,
    RequestId,
    TaskName,
    TaskRunPublic,
    TaskStats,
    TimelineEvent,
)

router = APIRouter(tags=["tasks"], responses=ADMINS_ONLY)


@router.get("/tasks", response_model=list[TaskRunPublic])
async def list_runs(
    admin: AdminUser,
    session: SessionDep,
    status_: RunStatus | None = Query(None, alias="status"),
    name: TaskName | None = None,
    offset: Offset = 0,
    limit: int = Query(50, ge=1, le=500),
):
    query = select(TaskRun).order_by(col(TaskRun.queued_at).desc())
    if status_:
        query = query.where(TaskRun.status == status_)
    if name:
        query = query.where(TaskRun.name == name)
    return (await session.exec(query.offset(offset).limit(limit))).all()


def percentile(values: list[float], pct: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return round(quantiles(values, n=100, method="inclusive")[pct - 1], 3)


# The durations' percentiles are taken over each task's latest runs that succeeded, not
# over all of them: the stats answer in the same time at 300 rows or 300,000 (they are
# also sent on the event stream each time a run changes).
STATS_WINDOW = 1000


@router.get("/tasks/stats", response_model=list[TaskStats])
async def task_stats(admin: AdminUser, session: SessionDep):
    """Per task: its runs counted by status (in SQL), and the p50 and p95 duration of its
    latest `STATS_WINDOW` succeeded runs."""
    counted = select(TaskRun.name, TaskRun.status, func.count()).group_by(
        col(TaskRun.name), col(TaskRun.status)
    )
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for name, run_status, number in (await session.exec(counted)).all():
        counts[name][run_status] = number
    stats = []
    for name in sorted(counts):
        latest = (
            select(TaskRun.duration_ms)
            .where(TaskRun.name == name, TaskRun.status == RunStatus.SUCCEEDED)
            .where(col(TaskRun.duration_ms).is_not(None))
            .order_by(col(TaskRun.queued_at).desc())  # the (name, queued_at) index
            .limit(STATS_WINDOW)
        )
        durations = [d for d in (await session.exec(latest)).all() if d is not None]
        c = counts[name]
        ended = c[RunStatus.SUCCEEDED] + c[RunStatus.FAILED] + c[RunStatus.DEAD]
        stats.append(
            TaskStats(
                name=name,
                counts={status: c[status] for status in RunStatus if status in c},
                success_rate=round(c[RunStatus.SUCCEEDED] / ended, 4) if ended else None,
                p50_ms=percentile(durations, 50),
                p95_ms=percentile(durations, 95),
            )
        )
    return stats


@router.post(
    "/tasks/{run_id}/retry",
    response_model=TaskRunPublic,
    status_code=status.HTTP_202_ACCEPTED,
    responses=not_found("task run") | {409: error("Only dead or failed runs can be retried")},
)
async def retry_run(
    run_id: HexId,
    admin: AdminUser,
    session: SessionDep,
    background_tasks: BackgroundTasks,
    dispatch: DispatchDep,
):
    run = await session.get(TaskRun, run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Task run {run_id} not found")
    if run.status not in (RunStatus.DEAD, RunStatus.FAILED):
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"Only dead or failed runs can be retried, not {run.status}"
        )
    run.status, run.next_attempt_at, run.attempt = RunStatus.QUEUED, utcnow(), 0
    run.claimed_by = instance_id()  # queued for this process, which dispatches it
    await session.commit()
    dispatch(background_tasks, run.id)  # in this process or on Celery, as configured
    return run


def offset_ms(moment: datetime, start: datetime) -> float:
    return round((moment - start).total_seconds() * 1000, 3)


# --8<-- [start:timeline]
@router.get(
    "/requests/{request_id}/timeline",
    response_model=list[TimelineEvent],
    responses=not_found("request"),
)
async def request_timeline(request_id: RequestId, admin: AdminUser, session: SessionDep):
    """When the request arrived, when its response left, when each of its tasks ran."""
    record = await session.get(RequestRecord, request_id)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No request {request_id} recorded")
    start = record.received_at
    events = [TimelineEvent(at_ms=0.0, event="request received")]
    if record.response_sent_at:
        events.append(
            TimelineEvent(at_ms=offset_ms(record.response_sent_at, start), event="response sent")
        )
    runs = await session.exec(select(TaskRun).where(TaskRun.request_id == request_id))
    for run in runs:
        common = {"task": run.name, "run_id": run.id}
        if run.started_at:
            events.append(
                TimelineEvent(
                    at_ms=offset_ms(run.started_at, start), event="task started", **common
                )
            )
        if run.finished_at:
            at = offset_ms(run.finished_at, start)
            events.append(
                TimelineEvent(at_ms=at, event="task finished", status=run.status, **common)
            )
    return sorted(events, key=lambda e: e.at_ms)


# --8<-- [end:timeline]
