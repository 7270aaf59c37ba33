"""Scheduled work of the service, run by the worker beside the event consumers.

`WorkerLoops` runs the service's event consumer and its periodic jobs as one worker unit with
the consumer's lifecycle (``run(stop)``, ``group_id``, ``running``), so the application factory
starts and stops the jobs with the consumer, and nothing takes a job for a consumer group of its
own (with a dead-letter topic of its own). Every replica of the worker runs the loops,
but each tick takes a transaction-scoped advisory lock first: one replica does the work and the
others skip that tick, so a purge or a scheduled publication never runs twice at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.events.consumer import EventConsumer
from shared.settings import ServiceSettings
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)

JobStep = Callable[[UnitOfWork], Awaitable[int]]


def _lock_key(name: str) -> int:
    # A stable signed 64-bit key per job name for pg_try_advisory_xact_lock.
    return int.from_bytes(
        hashlib.sha256(f"ned-job:{name}".encode()).digest()[:8], "big", signed=True
    )


async def try_job_lock(session: AsyncSession, name: str) -> bool:
    taken = await session.scalar(select(func.pg_try_advisory_xact_lock(_lock_key(name))))
    return bool(taken)


async def run_step_once(
    db: Database, settings: ServiceSettings, name: str, step: JobStep
) -> int | None:
    """One tick: the step in its own unit of work, under the job's lock. ``None`` when another
    replica held the lock; otherwise what the step reports (rows purged, events published)."""
    async with UnitOfWork(db, service_name=settings.service_name) as uow:
        if not await try_job_lock(uow.session, name):
            return None
        done = await step(uow)
        await uow.commit()
        return done


class PeriodicJob:
    def __init__(
        self,
        *,
        db: Database,
        settings: ServiceSettings,
        name: str,
        step: JobStep,
        interval_seconds: float,
    ) -> None:
        self._db = db
        self._settings = settings
        self.name = name
        self._step = step
        self._interval = interval_seconds
        self.running = False

    async def run(self, stop: asyncio.Event) -> None:
        self.running = True
        try:
            while not stop.is_set():
                try:
                    done = await run_step_once(self._db, self._settings, self.name, self._step)
                    if done:
                        log.info("job step done", extra={"job": self.name, "count": done})
                except Exception:
                    # A failing tick (database outage, say) is retried at the next one.
                    log.exception("job step failed", extra={"job": self.name})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._interval)
        finally:
            self.running = False


class WorkerLoops:
    """The consumer and the periodic jobs, started and stopped together."""

    def __init__(self, consumer: EventConsumer, jobs: Sequence[PeriodicJob]) -> None:
        self.consumer = consumer
        self.jobs = list(jobs)
        self.group_id = consumer.group_id

    @property
    def running(self) -> bool:
        return self.consumer.running

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(self.consumer.run(stop), *(job.run(stop) for job in self.jobs))
