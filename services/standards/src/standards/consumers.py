"""The service's event consumers: what it reads from other services' topics."""

from collections.abc import Sequence
from typing import cast

from shared.db import Database
from shared.events.consumer import EventConsumer, Subscription
from shared.events.topics import service_topic
from shared.settings import ServiceSettings
from standards.compliance.worker import ComplianceSweeper
from standards.people import handlers as people_handlers
from standards.people.events import PersonChanged
from standards.settings import Settings

TALENT_TOPIC = service_topic("talent")

SUBSCRIPTIONS: dict[str, Subscription] = {
    PersonChanged.event_type(): Subscription(PersonChanged, people_handlers.on_person_changed),
}


def build_consumers(db: Database, settings: ServiceSettings) -> Sequence[EventConsumer]:
    # One consumer group for the whole service: each topic is read once, and events about one
    # person arrive in order on one partition.
    consumer = EventConsumer(
        db=db,
        settings=settings,
        group_id=settings.group_id,
        topics=[TALENT_TOPIC],
        subscriptions=SUBSCRIPTIONS,
    )
    if not isinstance(settings, Settings) or settings.compliance_sweep_interval_seconds <= 0:
        return [consumer]
    # The periodic compliance sweep runs with the workers; the app's lifespan needs only its
    # `run(stop)` and `group_id`, which it shares with the consumers.
    sweeper = cast(EventConsumer, ComplianceSweeper(db, settings))
    return [consumer, sweeper]
