"""The service's event consumers: what it reads from other services' topics."""

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from shared.db import Database
from shared.events.consumer import EventConsumer, Subscription
from shared.events.topics import service_topic
from shared.settings import ServiceSettings
from standards.compliance.worker import ComplianceSweeper
from standards.eligibility.worker import EligibilityWorker
from standards.people import handlers as people_handlers
from standards.people.events import PersonChanged
from standards.settings import Settings

TALENT_TOPIC = service_topic("talent")

SUBSCRIPTIONS: dict[str, Subscription] = {
    PersonChanged.event_type(): Subscription(PersonChanged, people_handlers.on_person_changed),
}


class ConsumerWithComplianceSweep(EventConsumer):
    """The service's consumer, with the periodic compliance sweep beside it in the same task.

    The worker role runs the consumers it is given; the sweep rides along with the one consumer
    of this service rather than posing as a second one, so the worker's status still lists
    exactly its consumer groups.
    """

    def __init__(
        self,
        *,
        sweeper: ComplianceSweeper,
        eligibility: EligibilityWorker | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sweeper = sweeper
        # The eligibility step (expired credentials, redetermination jobs) rides along the same way.
        self.eligibility = eligibility

    async def run(self, stop: asyncio.Event) -> None:
        steps = [asyncio.create_task(self.sweeper.run(stop), name="compliance-sweep")]
        if self.eligibility is not None:
            steps.append(asyncio.create_task(self.eligibility.run(stop), name="eligibility"))
        try:
            await super().run(stop)
        except BaseException:
            for step in steps:
                step.cancel()
            raise
        finally:
            # On a normal stop the steps see `stop` and end by themselves.
            for step in steps:
                with contextlib.suppress(asyncio.CancelledError):
                    await step


def build_consumers(db: Database, settings: ServiceSettings) -> Sequence[EventConsumer]:
    # One consumer group for the whole service: each topic is read once, and events about one
    # person arrive in order on one partition.
    arguments: dict[str, Any] = {
        "db": db,
        "settings": settings,
        "group_id": settings.group_id,
        "topics": [TALENT_TOPIC],
        "subscriptions": SUBSCRIPTIONS,
    }
    if not isinstance(settings, Settings) or (
        settings.compliance_sweep_interval_seconds <= 0
        and settings.eligibility_worker_interval_seconds <= 0
    ):
        return [EventConsumer(**arguments)]
    # A step whose interval is 0 returns at once from its run: it is off.
    return [
        ConsumerWithComplianceSweep(
            sweeper=ComplianceSweeper(db, settings),
            eligibility=EligibilityWorker(db, settings),
            **arguments,
        )
    ]
