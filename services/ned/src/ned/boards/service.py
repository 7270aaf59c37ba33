from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ned.boards.models import Seat


async def list_seats(*, session: AsyncSession, org_code: str) -> list[Seat]:
    result = await session.scalars(
        select(Seat).where(Seat.org_code == org_code).order_by(Seat.role, Seat.title, Seat.id)
    )
    return list(result)
