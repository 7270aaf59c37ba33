"""Event handlers: the message entrypoints of the people projection (the router of events)."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.cloudevents import Envelope
from standards.compliance import service as compliance_service
from standards.outbox import outbox_publisher
from standards.people import service as people_service
from standards.people.events import PersonChanged

SERVICE_NAME = "standards"


async def on_person_changed(
    session: AsyncSession, envelope: Envelope, event: PersonChanged
) -> None:
    # Runs inside the consumer's inbox transaction: the runner commits, not us.
    changed = await people_service.apply_person_changed(
        session=session, event=event, event_id=envelope.id, event_time=envelope.time
    )
    if changed:
        # A start date, manager status or leaving changes what the person must complete.
        await compliance_service.recompute_person_compliance(
            session,
            outbox_publisher(session, service_name=SERVICE_NAME),
            event.person_id,
            datetime.now(UTC),
        )
