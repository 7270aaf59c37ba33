"""Writing events to the outbox inside the caller's transaction, and operator actions on it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.model import Event
from shared.tables import outbox


def notify_channel(service_name: str) -> str:
    return f"outbox_{service_name}"


async def add_to_outbox(
    session: AsyncSession,
    event: Event,
    *,
    service_name: str,
    traceparent: str | None = None,
    time: datetime | None = None,
) -> uuid.UUID:
    """Append `event` to the outbox in the session's open transaction; return its CloudEvents id.

    The NOTIFY is transactional in PostgreSQL: it is delivered to the relay only when (and if)
    the surrounding transaction commits, so the relay never wakes for a row it cannot see.
    """
    event_id = uuid.uuid4()
    await session.execute(
        insert(outbox).values(
            id=event_id,
            topic=f"leadership.{service_name}",
            key=event.partition_key(),
            type=event.event_type(),
            subject=event.subject(),
            time=time or datetime.now(UTC),
            payload=event.to_data(),
            traceparent=traceparent,
        )
    )
    await session.execute(
        text("SELECT pg_notify(:channel, '')"), {"channel": notify_channel(service_name)}
    )
    return event_id


async def republish_since(session: AsyncSession, *, since: datetime, service_name: str) -> int:
    """Mark retained rows created at or after `since` for publication again (operator command).

    Consumers deduplicate through their inbox, so a repeat is harmless; the relay sends the rows
    again in their original order.
    """
    result = await session.execute(
        update(outbox)
        .where(outbox.c.created_at >= since, outbox.c.published_at.is_not(None))
        .values(published_at=None, partition=None, offset=None)
    )
    await session.execute(
        text("SELECT pg_notify(:channel, '')"), {"channel": notify_channel(service_name)}
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def backlog(session: AsyncSession) -> tuple[int, float]:
    """Unpublished row count and the age in seconds of the oldest of them."""
    row = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.extract("epoch", func.now() - func.min(outbox.c.created_at)), 0),
            ).where(outbox.c.published_at.is_(None))
        )
    ).one()
    return int(row[0]), float(row[1])
