"""The event consumers of the service, one consumer group reading every topic it needs."""

from collections.abc import Sequence

from appraisal.people import service as people_service
from appraisal.people.events import PersonChanged
from shared.db import Database
from shared.events.consumer import EventConsumer, Subscription
from shared.events.topics import service_topic
from shared.settings import ServiceSettings

TALENT_TOPIC = service_topic("talent")

SUBSCRIPTIONS: dict[str, dict[str, Subscription]] = {
    TALENT_TOPIC: {
        PersonChanged.event_type(): Subscription(
            PersonChanged, people_service.handle_person_changed
        ),
    },
}


def build_consumers(db: Database, settings: ServiceSettings) -> Sequence[EventConsumer]:
    return [
        EventConsumer(
            db=db,
            settings=settings,
            group_id=settings.group_id,
            topics=sorted(SUBSCRIPTIONS),
            subscriptions={
                event_type: subscription
                for by_type in SUBSCRIPTIONS.values()
                for event_type, subscription in by_type.items()
            },
        )
    ]
