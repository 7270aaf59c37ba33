"""Use cases of issued credentials: their Open Badges documents, revocation, status lists."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.http.auth import Principal
from shared.http.etag import IfMatchPrecondition, check_version
from shared.http.problems import Conflict, Forbidden, NotFound
from standards.credentials import domain
from standards.credentials.events import CredentialRevoked
from standards.eligibility import service as eligibility_service
from standards.learning.models import Credential, LearnerRecord
from standards.outbox import Publish
from standards.programmes.models import Programme


async def get_credential(session: AsyncSession, credential_id: uuid.UUID) -> Credential | None:
    return await session.get(Credential, credential_id)


async def visible_credential(
    *, session: AsyncSession, credential_id: uuid.UUID, principal: Principal
) -> Credential:
    credential = await get_credential(session, credential_id)
    if credential is None:
        raise NotFound(f"No credential {credential_id}")
    if not principal.can_see_org(credential.org_code):
        # Not naming the organisation: where someone works is not for a foreign token to learn.
        raise Forbidden(f"This token does not reach the organisation of credential {credential_id}")
    return credential


async def issued(session: AsyncSession, credential: Credential) -> domain.IssuedCredential:
    """The facts of the credential's document: its programme as titled, the completion date."""
    row = (
        await session.execute(
            select(Programme.title, Programme.audience, Programme.award, LearnerRecord.completed_at)
            .join(LearnerRecord, LearnerRecord.id == credential.record_id)
            .where(Programme.code == credential.programme_code)
        )
    ).one()
    description = f"{row.title}: completed with an accredited provider."
    if row.audience:
        description += f" For {row.audience[0].lower()}{row.audience[1:]}."
    return domain.IssuedCredential(
        credential_id=str(credential.id),
        person_id=credential.person_id,
        programme_code=credential.programme_code,
        programme_title=row.title,
        programme_description=description,
        standards=tuple(credential.standards),
        levels=tuple(credential.levels),
        completed_at=row.completed_at,
        awarded_at=credential.awarded_at,
        expires_at=credential.expires_at,
        status_list_index=credential.status_list_index,
    )


async def revoke(
    *,
    session: AsyncSession,
    publish: Publish,
    principal: Principal,
    credential_id: uuid.UUID,
    reason_code: str,
    if_match: IfMatchPrecondition,
    now: datetime,
) -> Credential:
    """Revoke a credential: its status bit is set, ``credential.revoked`` and any
    ``eligibility.changed`` it causes are published in the same transaction."""
    credential = await visible_credential(
        session=session, credential_id=credential_id, principal=principal
    )
    expected = if_match.version_for(credential.id)
    if credential.status == "revoked":
        raise Conflict(f"Credential {credential_id} is already revoked", current_status="revoked")
    # The version in the WHERE: two revocations holding the same ETag cannot both pass.
    revoked_id = await session.scalar(
        update(Credential)
        .where(
            Credential.id == credential_id,
            Credential.version == expected,
            Credential.status == "active",
        )
        .values(
            status="revoked",
            revoked_at=now,
            revocation_reason_code=reason_code,
            version=Credential.version + 1,
        )
        .returning(Credential.id)
        .execution_options(synchronize_session=False)
    )
    if revoked_id is None:
        await session.refresh(credential)
        if credential.status == "revoked":
            raise Conflict(
                f"Credential {credential_id} is already revoked", current_status="revoked"
            )
        check_version(credential.version, expected)
    await session.refresh(credential)
    await publish(
        CredentialRevoked(
            credential_id=credential.id,
            person_id=credential.person_id,
            org_code=credential.org_code,
            programme_code=credential.programme_code,
            reason_code=reason_code,
            revoked_at=now,
        )
    )
    for changed in await eligibility_service.redetermine(
        session=session, person_ids=[credential.person_id], as_of=now
    ):
        await publish(changed)
    return credential


async def status_lists_in_use(session: AsyncSession) -> int:
    """How many status lists hold at least one credential's position."""
    highest = await session.scalar(select(func.max(Credential.status_list_index)))
    return 0 if highest is None else domain.status_position(highest)[0] + 1


async def revoked_bits(session: AsyncSession, list_number: int) -> list[int]:
    first = list_number * domain.STATUS_LIST_SIZE
    rows = await session.scalars(
        select(Credential.status_list_index).where(
            Credential.status == "revoked",
            Credential.status_list_index >= first,
            Credential.status_list_index < first + domain.STATUS_LIST_SIZE,
        )
    )
    return [index - first for index in rows]


async def last_revocation(session: AsyncSession, list_number: int) -> datetime | None:
    first = list_number * domain.STATUS_LIST_SIZE
    return await session.scalar(
        select(func.max(Credential.revoked_at)).where(
            Credential.status_list_index >= first,
            Credential.status_list_index < first + domain.STATUS_LIST_SIZE,
        )
    )
