"""The service's event consumers: what it reads from other services' topics."""

from collections.abc import Sequence

from shared.db import Database
from shared.events.consumer import EventConsumer, Subscription
from shared.events.topics import service_topic
from shared.settings import ServiceSettings
from standards.people import handlers as people_handlers
from standards.people.events import PersonChanged

TALENT_TOPIC = service_topic("talent")

SUBSCRIPTIONS: dict[str, Subscription] = {
    PersonChanged.event_type(): Subscription(PersonChanged, people_handlers.on_person_changed),
}


def build_consumers(db: Database, settings: ServiceSettings) -> Sequence[EventConsumer]:
    # One consumer group for the whole service: each topic is read once, and events about one
    # person arrive in order on one partition.
    return [
        EventConsumer(
            db=db,
            settings=settings,
            group_id=settings.group_id,
            topics=[TALENT_TOPIC],
            subscriptions=SUBSCRIPTIONS,
        )
    ]
