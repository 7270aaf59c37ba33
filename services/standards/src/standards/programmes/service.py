from collections.abc import Sequence

from sqlalchemy import Select, any_, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.http.pagination import PageParams, paginate
from standards.programmes.domain import Category, Level
from standards.programmes.models import Programme


async def get_programme(*, session: AsyncSession, code: str) -> Programme | None:
    return await session.scalar(select(Programme).where(Programme.code == code.upper()))


def _filtered(category: Category | None, level: Level | None) -> Select[Programme]:
    statement = select(Programme)
    if category is not None:
        statement = statement.where(Programme.category == category.value)
    if level is not None:
        statement = statement.where(literal(level.value) == any_(Programme.levels))
    return statement


async def list_programmes(
    *,
    session: AsyncSession,
    page: PageParams,
    category: Category | None = None,
    level: Level | None = None,
) -> Sequence[Programme]:
    statement = paginate(
        _filtered(category, level), sort_column=Programme.code, id_column=Programme.id, params=page
    )
    return (await session.scalars(statement)).all()
