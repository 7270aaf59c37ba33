"""Use cases of the people projection."""

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.people import domain
from appraisal.people.events import PersonChanged
from appraisal.people.models import Person
from shared.events.cloudevents import Envelope


async def get_person(*, session: AsyncSession, person_id: str) -> Person | None:
    return await session.get(Person, person_id)


async def record_person_changed(
    *, session: AsyncSession, event: PersonChanged, envelope: Envelope
) -> bool:
    """Upsert the person unless the stored state is newer; True when the row changed.

    Redelivery and replays can bring an older event after a newer one, so an event older (by
    envelope time) than the stored state is ignored. A tie is applied: it is the same event
    again or a same-instant correction. The comparison sits in the UPDATE's WHERE, so two
    consumers racing on one person (during a rebalance) cannot let the older event win.
    """
    event_time = domain.as_utc(envelope.time)
    values = {
        "person_id": event.person_id,
        "org_code": event.org_code,
        "staff_group": event.staff_group,
        "band": event.band,
        "job_title": event.job_title,
        "line_manager_id": event.line_manager_id,
        "is_line_manager": event.is_line_manager,
        "status": event.status,
        "left_on": event.left_on,
        "event_time": event_time,
        "event_id": envelope.id,
    }
    insert_person = insert(Person).values(**values)
    excluded = insert_person.excluded
    upsert = insert_person.on_conflict_do_update(
        index_elements=[Person.person_id],
        set_={name: excluded[name] for name in values if name != "person_id"},
        where=Person.event_time <= excluded.event_time,
    ).returning(Person.person_id)
    return (await session.execute(upsert)).first() is not None


async def handle_person_changed(
    session: AsyncSession, envelope: Envelope, event: PersonChanged
) -> None:
    """Consumer handler: runs inside the inbox transaction, which the runner commits."""
    await record_person_changed(session=session, event=event, envelope=envelope)
