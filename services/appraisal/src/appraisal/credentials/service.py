"""Use cases of the appraisers' credentials projection."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.credentials import domain
from appraisal.credentials.events import CredentialRevoked, TrainingAccredited
from appraisal.credentials.models import AppraiserCredential
from shared.events.cloudevents import Envelope


async def handle_training_accredited(
    session: AsyncSession, envelope: Envelope, event: TrainingAccredited
) -> None:
    """Record an appraisal-skills award; other programmes are not this service's business."""
    if event.programme_code != domain.APPRAISAL_SKILLS_PROGRAMME:
        return
    values = {
        "credential_id": event.credential_id,
        "person_id": event.person_id,
        "programme_code": event.programme_code,
        "awarded_at": event.awarded_at,
        "expires_at": event.expires_at,
    }
    statement = insert(AppraiserCredential).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[AppraiserCredential.credential_id],
            # Never touches revoked_at: an award replayed after its revocation stays revoked.
            set_={name: statement.excluded[name] for name in values if name != "credential_id"},
        )
    )


async def handle_credential_revoked(
    session: AsyncSession, envelope: Envelope, event: CredentialRevoked
) -> None:
    """Mark the credential revoked, keeping the earliest revocation when one is repeated."""
    statement = insert(AppraiserCredential).values(
        credential_id=event.credential_id,
        person_id=event.person_id,
        revoked_at=event.revoked_at,
        revocation_reason=event.reason_code,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[AppraiserCredential.credential_id],
            set_={
                "revoked_at": statement.excluded.revoked_at,
                "revocation_reason": statement.excluded.revocation_reason,
            },
            where=AppraiserCredential.revoked_at.is_(None)
            | (AppraiserCredential.revoked_at > statement.excluded.revoked_at),
        )
    )


async def holds_appraisal_skills(*, session: AsyncSession, person_id: str, at: datetime) -> bool:
    rows = (
        await session.scalars(
            select(AppraiserCredential).where(AppraiserCredential.person_id == person_id)
        )
    ).all()
    return domain.holds_appraisal_skills(
        [
            domain.CredentialFacts(
                programme_code=row.programme_code,
                awarded_at=row.awarded_at,
                expires_at=row.expires_at,
                revoked_at=row.revoked_at,
            )
            for row in rows
        ],
        at,
    )
