"""Event handlers: the message entrypoints of the people projection (the router of events)."""

from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.cloudevents import Envelope
from standards.people import service as people_service
from standards.people.events import PersonChanged


async def on_person_changed(
    session: AsyncSession, envelope: Envelope, event: PersonChanged
) -> None:
    # Runs inside the consumer's inbox transaction: the runner commits, not us.
    await people_service.apply_person_changed(
        session=session, event=event, event_id=envelope.id, event_time=envelope.time
    )
