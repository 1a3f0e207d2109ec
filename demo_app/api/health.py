"""GET /health: is the database reachable, is the scheduler ticking, what waits for retry."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from sqlalchemy import func, text
from sqlmodel import col, select

from demo_app import db
from demo_app.models import TaskRun

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(request: Request, response: Response) -> dict:
    report: dict = {"database": "ok"}
    try:
        async with db.session() as session:
            await session.exec(text("SELECT 1"))
            counts = dict(
                (
                    await session.exec(
                        select(TaskRun.status, func.count())
                        .where(col(TaskRun.status).in_(("retrying", "interrupted", "dead")))
                        .group_by(TaskRun.status)
                    )
                ).all()
            )
    except Exception as exc:
        report["database"] = f"unreachable: {type(exc).__name__}"
        counts = {}
    scheduler = request.app.state.scheduler
    report["scheduler"] = "alive" if scheduler and scheduler.alive else "not running"
    report["runs_waiting_for_retry"] = counts.get("retrying", 0) + counts.get("interrupted", 0)
    report["dead_runs"] = counts.get("dead", 0)
    healthy = report["database"] == "ok" and (scheduler is None or scheduler.alive)
    report["status"] = "ok" if healthy else "unhealthy"
    if not healthy:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return report
