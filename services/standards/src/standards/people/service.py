from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from standards.people.domain import event_instant
from standards.people.events import PersonChanged
from standards.people.models import Person


async def apply_person_changed(
    *, session: AsyncSession, event: PersonChanged, event_id: str, event_time: datetime
) -> bool:
    """Upsert the person from the event unless the stored row comes from a newer event.

    Newer wins, by CloudEvents time: an older event arriving late (a replay, a producer's retry)
    must not undo a later change. Equal times keep the stored row; the inbox has already removed
    true duplicates. One statement (the rule is the ``WHERE`` of the update), so two consumers
    racing on the same person cannot interleave a read and a write. Returns whether the row
    changed.
    """
    values = {
        "person_id": event.person_id,
        "org_code": event.org_code,
        "staff_group": event.staff_group,
        "band": event.band,
        "job_title": event.job_title,
        "line_manager_id": event.line_manager_id,
        "is_line_manager": event.is_line_manager,
        "start_date": event.start_date,
        "status": event.status.lower(),
        "left_on": event.left_on,
        "event_id": event_id,
        "event_time": event_instant(event_time),
    }
    insert_person = insert(Person).values(**values)
    upsert = insert_person.on_conflict_do_update(
        index_elements=[Person.person_id],
        set_={name: insert_person.excluded[name] for name in values if name != "person_id"},
        where=Person.event_time < insert_person.excluded.event_time,
    ).returning(Person.person_id)
    return (await session.execute(upsert)).first() is not None


async def get_person(*, session: AsyncSession, person_id: str) -> Person | None:
    return await session.scalar(select(Person).where(Person.person_id == person_id))
