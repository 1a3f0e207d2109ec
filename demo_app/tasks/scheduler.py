"""The in-process scheduler: one asyncio loop started by the app's lifespan.

Each tick it (1) beats this process's heartbeat, (2) marks runs whose process is gone as
`interrupted`, (3) starts runs whose retry time has come, and (4) runs `cleanup_old_data`
if it holds the cleanup lease. A small asyncio loop rather than APScheduler: the jobs are
async and belong on the app's own event loop, there are four of them, and the rows in the
database (leases, heartbeats, claims) already make it safe with several worker processes.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from demo_app import db
from demo_app.config import get_settings
from demo_app.models import AppInstance, RunStatus, SchedulerLock, TaskRun, utcnow
from demo_app.tasks.runs import instance_id, new_run, run_task
from demo_app.tasks.worker import cleanup_old_data

log = logging.getLogger("demo_app.scheduler")


async def heartbeat() -> None:
    async with db.session() as session:
        me = instance_id()
        instance = await session.get(AppInstance, me) or AppInstance(id=me)
        instance.heartbeat_at = utcnow()
        session.add(instance)
        await session.commit()


async def recover_interrupted() -> int:
    """Runs left `queued` or `running` by a process whose heartbeat stopped: `interrupted`.

    A run `queued` for longer than the stale limit is taken too: its request's turn never
    came (the claim in `run_task` keeps a late original from running it a second time).
    """
    now = utcnow()
    stale = now - timedelta(seconds=get_settings().instance_stale_after_seconds)
    async with db.session() as session:
        await session.exec(delete(AppInstance).where(col(AppInstance.heartbeat_at) < stale))
        alive = select(AppInstance.id)
        orphaned = or_(
            col(TaskRun.claimed_by).is_(None),
            col(TaskRun.claimed_by).not_in(alive),
            (col(TaskRun.status) == RunStatus.QUEUED) & (col(TaskRun.queued_at) < stale),
        )
        found = await session.exec(
            update(TaskRun)
            .where(col(TaskRun.status).in_((RunStatus.QUEUED, RunStatus.RUNNING)), orphaned)
            .values(status=RunStatus.INTERRUPTED, next_attempt_at=now)
        )
        await session.commit()
    if found.rowcount:
        log.warning("%d interrupted task runs will be run again", found.rowcount)
    return found.rowcount


async def due_runs(limit: int = 100) -> list[str]:
    """Runs whose retry time has come, in the order their requests queued them."""
    async with db.session() as session:
        query = (
            select(TaskRun.id)
            .where(col(TaskRun.status).in_((RunStatus.RETRYING, RunStatus.INTERRUPTED)))
            .where(col(TaskRun.next_attempt_at) <= utcnow())
            .order_by(col(TaskRun.queued_at))
            .limit(limit)
        )
        return list((await session.exec(query)).all())


async def request_of(run_ids: list[str]) -> dict[str, str]:
    async with db.session() as session:
        found = await session.exec(
            select(TaskRun.id, TaskRun.request_id).where(col(TaskRun.id).in_(run_ids))
        )
        return {run_id: request_id or run_id for run_id, request_id in found.all()}


async def acquire_lease(name: str, seconds: float) -> bool:
    """Hold `name` for `seconds` unless another process holds it now. One UPDATE or INSERT."""
    now = utcnow()
    expires = now + timedelta(seconds=seconds)
    async with db.session() as session:
        taken = await session.exec(
            update(SchedulerLock)
            .where(col(SchedulerLock.name) == name, col(SchedulerLock.expires_at) <= now)
            .values(holder=instance_id(), expires_at=expires)
        )
        if taken.rowcount == 1:
            await session.commit()
            return True
        session.add(SchedulerLock(name=name, holder=instance_id(), expires_at=expires))
        try:
            await session.commit()
        except IntegrityError:  # the row exists and its lease has not expired
            return False
        return True


async def shorten_lease(name: str, until) -> None:
    async with db.session() as session:
        await session.exec(
            update(SchedulerLock)
            .where(col(SchedulerLock.name) == name, col(SchedulerLock.holder) == instance_id())
            .values(expires_at=until)
        )
        await session.commit()


async def run_cleanup_if_leased() -> str | None:
    """Run cleanup_old_data if no process has in the last interval, and none is running it.

    The lease is held for the whole run (an hour at most), then cut back to one interval
    from the start: a cleanup that outlasts the interval still never overlaps the next.
    """
    interval = get_settings().cleanup_interval_seconds
    started = utcnow()
    if not await acquire_lease("cleanup_old_data", max(interval, 3600)):
        return None
    try:
        run = new_run(cleanup_old_data)
        async with db.session() as session:
            session.add(run)
            await session.commit()
        return await run_task(run.id)
    finally:
        await shorten_lease("cleanup_old_data", started + timedelta(seconds=interval))


class Scheduler:
    def __init__(self) -> None:
        self.last_tick: datetime | None = None
        self._loop: asyncio.Task | None = None
        self._running: set[asyncio.Task] = set()
        self._started: set[str] = set()  # runs a job of this scheduler has in hand

    @property
    def alive(self) -> bool:
        limit = timedelta(seconds=3 * get_settings().scheduler_poll_seconds + 1)
        return self.last_tick is not None and utcnow() - self.last_tick < limit

    # --8<-- [start:tick]
    async def tick(self) -> None:
        await heartbeat()
        await recover_interrupted()
        due = [run_id for run_id in await due_runs() if run_id not in self._started]
        groups: dict[str, list[str]] = {}
        for run_id, request_id in (await request_of(due)).items():
            groups.setdefault(request_id, []).append(run_id)
        for group in groups.values():  # a request's runs: one after another, as at first
            self._started.update(group)
            self._start(self._in_order(sorted(group, key=due.index)))
        self._start(run_cleanup_if_leased())
        self.last_tick = utcnow()

    async def _in_order(self, run_ids: list[str]) -> None:
        try:
            for run_id in run_ids:
                await run_task(run_id)
        finally:
            self._started.difference_update(run_ids)

    # --8<-- [end:tick]

    def _start(self, coro) -> None:
        # Runs go on beside the loop, so a long task never delays the heartbeat.
        job = asyncio.create_task(coro)
        self._running.add(job)
        job.add_done_callback(self._running.discard)

    async def _forever(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("scheduler tick failed")
            await asyncio.sleep(get_settings().scheduler_poll_seconds)

    async def start(self) -> None:
        await heartbeat()
        await recover_interrupted()
        self._loop = asyncio.create_task(self._forever())

    async def stop(self) -> None:
        for job in [self._loop, *self._running]:
            if job:
                job.cancel()
        await asyncio.gather(
            *[j for j in [self._loop, *self._running] if j], return_exceptions=True
        )
        self._loop = None
        async with db.session() as session:  # gone: our unfinished runs may be taken now
            await session.exec(delete(AppInstance).where(col(AppInstance.id) == instance_id()))
            await session.commit()
