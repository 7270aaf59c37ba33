"""The event consumers of the service, one consumer group reading every topic it needs."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.compliance import service as compliance_service
from appraisal.compliance.events import ComplianceChanged
from appraisal.credentials import service as credential_service
from appraisal.credentials.events import CredentialRevoked, TrainingAccredited
from appraisal.cycles import service as cycle_service
from appraisal.people import domain as people_domain
from appraisal.people import service as people_service
from appraisal.people.events import PersonChanged
from appraisal.people.models import Person
from shared.db import Database
from shared.events.cloudevents import Envelope
from shared.events.consumer import EventConsumer, Subscription
from shared.events.topics import service_topic
from shared.settings import ServiceSettings

TALENT_TOPIC = service_topic("talent")
STANDARDS_TOPIC = service_topic("standards")


async def on_person_changed(
    session: AsyncSession, envelope: Envelope, event: PersonChanged
) -> None:
    """Update the people projection, then the populations of the cycles the change touches.

    Only a change that was applied moves anyone: an older event ignored by the projection must
    not undo a newer join or leave.
    """
    if not await people_service.record_person_changed(
        session=session, event=event, envelope=envelope
    ):
        return
    # Read back with populate_existing: several events of a batch share one session.
    person = await session.scalar(
        select(Person)
        .where(Person.person_id == event.person_id)
        .execution_options(populate_existing=True)
    )
    if person is not None:
        await cycle_service.sync_person(
            session=session, person=person, on=people_domain.as_utc(envelope.time).date()
        )


SUBSCRIPTIONS: dict[str, dict[str, Subscription]] = {
    TALENT_TOPIC: {
        PersonChanged.event_type(): Subscription(PersonChanged, on_person_changed),
    },
    STANDARDS_TOPIC: {
        TrainingAccredited.event_type(): Subscription(
            TrainingAccredited, credential_service.handle_training_accredited
        ),
        CredentialRevoked.event_type(): Subscription(
            CredentialRevoked, credential_service.handle_credential_revoked
        ),
        ComplianceChanged.event_type(): Subscription(
            ComplianceChanged, compliance_service.handle_compliance_changed
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
