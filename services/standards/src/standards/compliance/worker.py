"""The periodic compliance sweep, run beside the service's consumer in the worker role."""

import asyncio
import contextlib
import logging

from shared.db import Database
from standards.compliance import service as compliance_service
from standards.settings import Settings

log = logging.getLogger(__name__)


class ComplianceSweeper:
    """Runs `compliance_service.sweep` every ``compliance_sweep_interval_seconds``.

    Several replicas may sweep at once: each recompute locks its person and publishes only a
    change, so a second sweeper finds nothing new to say.
    """

    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._settings = settings
        self.running = False

    async def run(self, stop: asyncio.Event) -> None:
        interval = self._settings.compliance_sweep_interval_seconds
        if interval <= 0:
            return
        self.running = True
        try:
            await self._loop(stop, interval)
        finally:
            self.running = False

    async def _loop(self, stop: asyncio.Event, interval: float) -> None:
        # Wait first: a replica that just started has nothing a sweep of the previous replica
        # did not do, and tests driving the app are not raced by a startup pass.
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
            if stop.is_set():
                return
            try:
                result = await compliance_service.sweep(
                    self._db, service_name=self._settings.service_name
                )
                log.info(
                    "compliance sweep",
                    extra={
                        "recomputed": result.recomputed,
                        "changed": result.changed,
                        "accreditations_expired": result.accreditations_expired,
                    },
                )
            except Exception:
                # A database outage must not end the worker; the next pass tries again.
                log.exception("compliance sweep failed")
