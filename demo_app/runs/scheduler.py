"""The runs ring: the in-process scheduler: one asyncio loop started by the app's lifespan.

Each tick it (1) marks runs whose process is gone as `interrupted`, (2) starts runs whose
retry time has come, and (3) runs `cleanup_old_data` if it holds the cleanup lease. The
process's heartbeat is beaten by a thread of its own, so a loop blocked for a while (a slow
`def` call on it, a long CPU step) does not look like a dead process to the others. A small
asyncio loop rather than APScheduler: the jobs are async and belong on the app's own event
loop, there are four of them, and the rows in the database (leases, heartbeats, claims)
already make it safe with several worker processes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, timedelta

import anyio.to_thread
from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from demo_app import db
from demo_app.config import get_settings
from demo_app.models import AppInstance, RunStatus, SchedulerLock, TaskRun, utcnow
from demo_app.runs.queue import instance_id, new_run
from demo_app.runs.retention import cleanup_old_data
from demo_app.runs.runner import run_task

log = logging.getLogger("demo_app.scheduler")


async def beat(sessions=db.session) -> bool:
    """Beat this process's heartbeat. False: its row was gone, so it registered again.

    The row is deleted by another process that found the heartbeat older than
    INSTANCE_STALE_AFTER_SECONDS and took this process's unfinished runs over (they are
    `interrupted` now, or already claimed by that process). Registering again under the
    same id is safe: the runs taken over are no longer `queued` for this id, and `claim`
    never moves a run that another process has claimed since.
    """
    me = instance_id()
    async with sessions() as session:
        found = await session.exec(
            update(AppInstance).where(col(AppInstance.id) == me).values(heartbeat_at=utcnow())
        )
        if found.rowcount == 1:
            await session.commit()
            return True
        session.add(AppInstance(id=me))
        try:
            await session.commit()
        except IntegrityError:  # registered meanwhile (another thread of this process)
            return True
        return False


async def heartbeat() -> None:
    """Register this process, or beat its heartbeat (on the app's loop)."""
    await beat()


class HeartbeatThread(threading.Thread):
    """Beats the heartbeat every poll interval on a loop and engine of its own.

    Not on the app's event loop: a loop blocked for longer than the stale limit would make
    a live process look gone, and its running runs would be run a second time at once.
    """

    def __init__(self, url: str, every: float) -> None:
        super().__init__(name="demo_app-heartbeat", daemon=True)
        self.url, self.every = url, every
        self.stopping = threading.Event()
        self.registered_again = 0  # times the row was found deleted

    def run(self) -> None:
        asyncio.run(self._beat_until_stopped())

    async def _beat_until_stopped(self) -> None:
        engine = db.new_engine(self.url)
        sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        try:
            while not self.stopping.is_set():
                try:
                    if not await beat(sessions):
                        self.registered_again += 1
                        log.warning(
                            "this process's heartbeat had expired; its unfinished runs were "
                            "taken over by another process; registered again"
                        )
                except Exception:
                    log.exception("heartbeat failed")
                self.stopping.wait(self.every)  # this thread's own loop: nothing else on it
        finally:
            await engine.dispose()

    def stop(self) -> None:
        self.stopping.set()
        self.join()


async def recover_interrupted() -> int:
    """Runs left `queued` or `running` by a process known to be gone: `interrupted`.

    Gone means its heartbeat row expired (older than INSTANCE_STALE_AFTER_SECONDS, deleted
    here) or was removed when it stopped. A run is never taken just because it waited: a
    `queued` run of a live process is that process's to run (its request's tasks, in
    order); if the process died before it got to them, its heartbeat expires and they
    are taken then. This process's own runs are never taken: it is not gone.
    """
    me = instance_id()
    now = utcnow()
    stale = now - timedelta(seconds=get_settings().instance_stale_after_seconds)
    async with db.session() as session:
        await session.exec(
            delete(AppInstance).where(
                col(AppInstance.heartbeat_at) < stale, col(AppInstance.id) != me
            )
        )
        alive = select(AppInstance.id)
        gone = or_(col(TaskRun.claimed_by).is_(None), col(TaskRun.claimed_by).not_in(alive))
        found = await session.exec(
            update(TaskRun)
            .where(col(TaskRun.status).in_((RunStatus.QUEUED, RunStatus.RUNNING)))
            .where(gone, or_(col(TaskRun.claimed_by).is_(None), col(TaskRun.claimed_by) != me))
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
    if not run_ids:  # an idle tick: nothing to ask
        return {}
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


# A tick waits its turn for the database like every request: under load it can take seconds
# (100 registrations at once on SQLite: health checks waited up to 9 s). One waiting longer
# than this is stuck, not busy (SQLite's busy timeout, 30 s, ends a tick long before).
TICK_STUCK_SECONDS = 60.0


def tick_window() -> timedelta:
    """No tick for this long, and none waiting: the scheduler is not keeping up."""
    return timedelta(seconds=3 * get_settings().scheduler_poll_seconds + 1)


class Scheduler:
    def __init__(self) -> None:
        self.last_tick: datetime | None = None  # when the last tick that succeeded ended
        self._tick_began: datetime | None = None  # a tick is under way
        self._failing = False  # the last tick that ended raised
        self._loop: asyncio.Task | None = None
        self._running: set[asyncio.Task] = set()
        self._started: set[str] = set()  # runs a job of this scheduler has in hand
        self._heartbeat: HeartbeatThread | None = None

    @property
    def state(self) -> str:
        """For /health: "alive", "failing" (no tick has succeeded lately) or "not running".

        A scheduler waiting on a busy database is alive: told otherwise, a load balancer takes
        the busiest instances out, and the load moves on to the next ones."""
        if self._loop is None or self._loop.done():
            return "not running"
        now = utcnow()
        began = self._tick_began
        if began and not self._failing and now - began < timedelta(seconds=TICK_STUCK_SECONDS):
            return "alive"  # waiting, since a tick that succeeded
        if self.last_tick is not None and now - self.last_tick < tick_window():
            return "alive"
        return "failing"

    # --8<-- [start:tick]
    async def tick(self) -> None:
        if not (self._heartbeat and self._heartbeat.is_alive()):
            await heartbeat()  # no thread (an in-memory database): beat on the loop
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
            self._tick_began = utcnow()
            try:
                await self.tick()
                self._failing = False
            except Exception:
                self._failing = True
                log.exception("scheduler tick failed")
            finally:
                self._tick_began = None
            await asyncio.sleep(get_settings().scheduler_poll_seconds)

    async def start(self) -> None:
        await heartbeat()
        settings = get_settings()
        if ":memory:" not in settings.database_url:  # (another engine: another database)
            url, every = settings.database_url, settings.scheduler_poll_seconds
            self._heartbeat = HeartbeatThread(url, every)
            self._heartbeat.start()
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
        if self._heartbeat:
            await anyio.to_thread.run_sync(self._heartbeat.stop)
            self._heartbeat = None
        async with db.session() as session:  # gone: our unfinished runs may be taken now
            await session.exec(delete(AppInstance).where(col(AppInstance.id) == instance_id()))
            await session.commit()
