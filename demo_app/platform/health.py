"""The platform ring: `GET /health`: is the database reachable, is the scheduler ticking, what
waits for retry."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from sqlalchemy import func
from sqlmodel import col, select

from demo_app import db
from demo_app.config import get_settings
from demo_app.models import RunStatus, TaskRun

router = APIRouter(tags=["health"])

WATCHED = (RunStatus.RETRYING, RunStatus.INTERRUPTED, RunStatus.DEAD)


async def broker_status(url: str) -> str:
    """Celery mode: can this process reach Redis, where its tasks wait for a worker?"""
    from redis.asyncio import from_url

    client = from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        await client.ping()
        return "ok"
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"
    finally:
        await client.aclose()


@router.get("/health")
async def health(request: Request, response: Response) -> dict:
    report: dict = {"database": "ok"}
    try:
        async with db.session() as session:  # the one query shows the database answers
            counts = dict(
                (
                    await session.exec(
                        select(TaskRun.status, func.count())
                        .where(col(TaskRun.status).in_(WATCHED))
                        .group_by(TaskRun.status)
                    )
                ).all()
            )
    except Exception as exc:
        report["database"] = f"unreachable: {type(exc).__name__}"
        counts = {}
    settings = get_settings()
    if settings.task_backend == "celery":
        report["broker"] = await broker_status(settings.celery_broker_url or settings.redis_url)
    scheduler = request.app.state.scheduler
    report["scheduler"] = scheduler.state if scheduler else "not running"
    waiting = counts.get(RunStatus.RETRYING, 0) + counts.get(RunStatus.INTERRUPTED, 0)
    report["runs_waiting_for_retry"] = waiting
    report["dead_runs"] = counts.get(RunStatus.DEAD, 0)
    healthy = (
        report["database"] == "ok"
        and report.get("broker", "ok") == "ok"
        and (scheduler is None or report["scheduler"] == "alive")
    )
    report["status"] = "ok" if healthy else "unhealthy"
    if not healthy:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return report
