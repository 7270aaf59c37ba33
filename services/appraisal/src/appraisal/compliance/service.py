"""Use cases of the training-compliance projection."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.compliance.events import ComplianceChanged
from appraisal.compliance.models import ComplianceDetermination
from shared.events.cloudevents import Envelope


async def record_compliance_changed(*, session: AsyncSession, event: ComplianceChanged) -> bool:
    """Keep the determination; True when it was new.

    Determinations are immutable and named by their id, so a redelivered event is a no-op and
    an out-of-order one simply takes its place in the history by ``as_of``.
    """
    stmt = (
        insert(ComplianceDetermination)
        .values(
            determination_id=event.determination_id,
            person_id=event.person_id,
            org_code=event.org_code,
            statutory_mandatory_complete=event.statutory_mandatory_complete,
            overdue_programme_codes=list(event.overdue_programme_codes),
            expired_programme_codes=list(event.expired_programme_codes),
            expiring_programme_codes=list(event.expiring_programme_codes),
            as_of=event.as_of,
        )
        .on_conflict_do_nothing(index_elements=[ComplianceDetermination.determination_id])
        .returning(ComplianceDetermination.determination_id)
    )
    return (await session.execute(stmt)).first() is not None


async def handle_compliance_changed(
    session: AsyncSession, envelope: Envelope, event: ComplianceChanged
) -> None:
    """Consumer handler: runs inside the inbox transaction, which the runner commits."""
    await record_compliance_changed(session=session, event=event)


async def determination_as_of(
    *, session: AsyncSession, person_id: str, moment: datetime
) -> ComplianceDetermination | None:
    """The latest determination for the person made at or before ``moment``."""
    return await session.scalar(
        select(ComplianceDetermination)
        .where(
            ComplianceDetermination.person_id == person_id,
            ComplianceDetermination.as_of <= moment,
        )
        .order_by(ComplianceDetermination.as_of.desc(), ComplianceDetermination.received_at.desc())
        .limit(1)
    )
