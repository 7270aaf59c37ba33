"""Board references: writing one on leaving, releasing it to a new employer, and deleting it
on the person's 75th birthday."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Exists, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ned.fppt import service as fppt_service
from ned.references import domain
from ned.references.models import BoardReference, ReferenceRelease
from ned.references.schemas import ReferenceCreate, ReleaseCreate
from shared.http.auth import Principal
from shared.http.pagination import PageParams, paginate
from shared.http.problems import NotFound, invalid_input
from shared.reference.organisations import get_organisation
from shared.uow import UnitOfWork

REFERENCE_RECORD = fppt_service.REFERENCE_RECORD


async def create_reference(
    *, session: AsyncSession, body: ReferenceCreate, written_by: str
) -> BoardReference:
    reference = BoardReference(
        id=uuid.uuid4(),
        person_id=body.person_id,
        org_code=body.org_code.upper(),
        date_of_birth=body.date_of_birth,
        retain_until=domain.retain_until(body.date_of_birth),
        board_role=body.board_role.value,
        role_title=body.role_title,
        served_from=body.served_from,
        served_to=body.served_to,
        leaving_reason=body.leaving_reason.value,
        matters=[m.model_dump(mode="json") for m in body.matters],
        fit_and_proper_concerns=body.fit_and_proper_concerns,
        statement=body.statement,
        referee_role=body.referee_role.value,
        written_by=written_by,
        version=1,
    )
    session.add(reference)
    await session.flush()
    return reference


def _released_to(orgs: frozenset[str]) -> Exists:
    return exists().where(
        ReferenceRelease.reference_id == BoardReference.id, ReferenceRelease.to_org_code.in_(orgs)
    )


async def get_visible(
    session: AsyncSession, reference_id: uuid.UUID, principal: Principal
) -> BoardReference:
    """The reference, when the token reaches the organisation that wrote it or one it was
    released to; 404 otherwise, as if it did not exist."""
    stmt = select(BoardReference).where(BoardReference.id == reference_id)
    if (orgs := principal.reach_filter()) is not None:
        stmt = stmt.where(or_(BoardReference.org_code.in_(orgs), _released_to(orgs)))
    reference = await session.scalar(stmt)
    if reference is None:
        raise NotFound(f"No board reference {reference_id}")
    return reference


async def list_references(
    *,
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    person_id: str | None,
    org_code: str | None,
) -> list[BoardReference]:
    stmt = select(BoardReference)
    if (orgs := principal.reach_filter()) is not None:
        stmt = stmt.where(or_(BoardReference.org_code.in_(orgs), _released_to(orgs)))
    if person_id is not None:
        stmt = stmt.where(BoardReference.person_id == person_id)
    if org_code is not None:
        stmt = stmt.where(BoardReference.org_code == org_code.upper())
    result = await session.scalars(
        paginate(
            stmt, sort_column=BoardReference.created_at, id_column=BoardReference.id, params=page
        )
    )
    return list(result)


def audit_reads(
    session: AsyncSession, principal: Principal, references: list[BoardReference], action: str
) -> None:
    fppt_service.audit(
        session,
        principal,
        action=action,
        record_type=REFERENCE_RECORD,
        records=[(r.id, r.org_code) for r in references],
    )


async def release(
    *, session: AsyncSession, reference_id: uuid.UUID, body: ReleaseCreate, principal: Principal
) -> ReferenceRelease:
    """Release to a new employer: only the organisation that holds the reference (or NHS
    England) may, and the release is both the new employer's key to read it and its audit."""
    reference = await session.scalar(
        select(BoardReference).where(BoardReference.id == reference_id)
    )
    if reference is None or not principal.can_see_org(reference.org_code):
        raise NotFound(f"No board reference {reference_id}")
    if get_organisation(body.to_org_code) is None:
        raise invalid_input("body.to_org_code", "not an organisation the reference data knows")
    released = ReferenceRelease(
        id=uuid.uuid4(),
        reference_id=reference.id,
        to_org_code=body.to_org_code.upper(),
        purpose=body.purpose.value,
        released_by=principal.subject,
        released_at=datetime.now(UTC),
    )
    session.add(released)
    fppt_service.audit(
        session,
        principal,
        action="release",
        record_type=REFERENCE_RECORD,
        records=[(reference.id, reference.org_code)],
    )
    await session.flush()
    return released


async def list_releases(
    *, session: AsyncSession, reference_id: uuid.UUID, principal: Principal, page: PageParams
) -> list[ReferenceRelease]:
    reference = await session.scalar(
        select(BoardReference).where(BoardReference.id == reference_id)
    )
    if reference is None or not principal.can_see_org(reference.org_code):
        raise NotFound(f"No board reference {reference_id}")
    result = await session.scalars(
        paginate(
            select(ReferenceRelease).where(ReferenceRelease.reference_id == reference_id),
            sort_column=ReferenceRelease.released_at,
            id_column=ReferenceRelease.id,
            params=page,
        )
    )
    return list(result)


async def purge_expired(session: AsyncSession, today: date) -> list[uuid.UUID]:
    """Delete every reference whose retention ended (the 75th birthday is today or past), with
    its releases. Returns the ids deleted."""
    result = await session.scalars(
        delete(BoardReference)
        .where(BoardReference.retain_until <= today)
        .returning(BoardReference.id)
    )
    return list(result)


async def retention_step(uow: UnitOfWork) -> int:
    """The worker's retention tick."""
    deleted = await purge_expired(uow.session, datetime.now(UTC).date())
    return len(deleted)
