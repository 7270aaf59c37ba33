"""The eligibility step, run beside the service's consumer in the worker role."""

import asyncio
import contextlib
import logging

from shared.db import Database
from standards.eligibility import service as eligibility_service
from standards.settings import Settings

log = logging.getLogger(__name__)


class EligibilityWorker:
    """Every ``eligibility_worker_interval_seconds``: re-determines the holders of credentials
    that expired since the last pass, then works through queued redetermination jobs.

    Several replicas may run it: the watermark row and each job row are locked while a slice is
    processed, and only flips are published, so a second replica finds nothing new to say.
    """

    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._settings = settings
        # True while the loop runs (it rides along with the service's consumer).
        self.running = False

    async def run(self, stop: asyncio.Event) -> None:
        interval = self._settings.eligibility_worker_interval_seconds
        if interval <= 0:
            return
        self.running = True
        try:
            while not stop.is_set():
                # Wait first, as the compliance sweep does: tests driving the app are not raced
                # by a startup pass, and a restarted replica does not repeat its predecessor's.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=interval)
                if stop.is_set():
                    return
                await self.run_once()
        finally:
            self.running = False

    async def run_once(self) -> None:
        service_name = self._settings.service_name
        try:
            swept = await eligibility_service.sweep_expired_credentials(
                self._db, service_name=service_name
            )
            jobs = await eligibility_service.run_jobs(self._db, service_name=service_name)
            log.info(
                "eligibility worker pass",
                extra={
                    "expired_credentials": swept.credentials,
                    "expiry_changes": swept.changes_published,
                    "job_slices": jobs.slices,
                    "job_changes": jobs.changes_published,
                },
            )
        except Exception:
            # A database outage must not end the worker; the next pass carries on from the
            # watermark and the jobs' cursors.
            log.exception("eligibility worker pass failed")
