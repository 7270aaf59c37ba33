"""Use cases of career conversations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.http.pagination import PageParams, paginate
from talent.conversations.models import CareerConversation


async def create(
    session: AsyncSession,
    *,
    person_id: str,
    org_code: str,
    manager_person_id: str | None,
    created_by: str,
    values: dict[str, Any],
) -> CareerConversation:
    conversation = CareerConversation(
        id=uuid.uuid4(),
        person_id=person_id,
        org_code=org_code,
        manager_person_id=manager_person_id,
        created_by=created_by[:200],
        version=1,
        **values,
    )
    session.add(conversation)
    await session.flush()
    await session.refresh(conversation)
    return conversation


async def get(session: AsyncSession, conversation_id: uuid.UUID) -> CareerConversation | None:
    return await session.get(CareerConversation, conversation_id)


async def list_for_person(
    session: AsyncSession, *, person_id: str, page: PageParams
) -> Sequence[CareerConversation]:
    stmt = paginate(
        select(CareerConversation).where(CareerConversation.person_id == person_id),
        sort_column=CareerConversation.held_on,
        id_column=CareerConversation.id,
        params=page,
        descending=True,
    )
    return (await session.scalars(stmt)).all()


async def change(
    session: AsyncSession,
    *,
    conversation_id: uuid.UUID,
    expected_version: int,
    changes: dict[str, Any],
) -> CareerConversation | None:
    result = await session.execute(
        update(CareerConversation)
        .where(
            CareerConversation.id == conversation_id,
            CareerConversation.version == expected_version,
        )
        .values(**changes, version=CareerConversation.version + 1, updated_at=func.now())
        .returning(CareerConversation)
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def latest_outcomes(session: AsyncSession, person_ids: Any) -> dict[str, list[str]]:
    """The outcome codes of each person's latest conversation (for pool rules)."""
    table = CareerConversation.__table__
    from sqlalchemy.dialects.postgresql import distinct_on

    rows = await session.execute(
        select(table.c.person_id, table.c.outcome_codes, table.c.target_level)
        .where(table.c.person_id.in_(person_ids))
        .ext(distinct_on(table.c.person_id))
        .order_by(table.c.person_id, table.c.held_on.desc(), table.c.created_at.desc())
    )
    return {row.person_id: list(row.outcome_codes) for row in rows}
