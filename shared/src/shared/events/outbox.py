"""Writing events to the outbox inside the caller's transaction, and operator actions on it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result, func, insert, select, text, update
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
    notify: bool = True,
) -> uuid.UUID:
    """Append `event` to the outbox in the session's open transaction; return its CloudEvents id."""
    (event_id,) = await add_many_to_outbox(
        session,
        [event],
        service_name=service_name,
        traceparent=traceparent,
        time=time,
        notify=notify,
    )
    return event_id


async def add_many_to_outbox(
    session: AsyncSession,
    events: Sequence[Event],
    *,
    service_name: str,
    traceparent: str | None = None,
    time: datetime | None = None,
    notify: bool = True,
) -> list[uuid.UUID]:
    """Append `events`, in order, with one multi-row INSERT.

    The NOTIFY is transactional in PostgreSQL: it reaches the relay only when (and if) the
    surrounding transaction commits, so the relay never wakes for a row it cannot see. One per
    transaction is enough (PostgreSQL folds duplicates anyway), hence `notify`.
    """
    if not events:
        return []
    moment = time or datetime.now(UTC)
    ids = [uuid.uuid4() for _ in events]
    await session.execute(
        insert(outbox),
        [
            {
                "id": event_id,
                "topic": f"leadership.{service_name}",
                "key": event.partition_key(),
                "type": event.event_type(),
                "subject": event.subject(),
                "time": moment,
                "payload": event.to_data(),
                "traceparent": traceparent,
            }
            for event_id, event in zip(ids, events, strict=True)
        ],
    )
    if notify:
        await notify_relay(session, service_name)
    return ids


async def notify_relay(session: AsyncSession, service_name: str) -> None:
    await session.execute(
        text("SELECT pg_notify(:channel, '')"), {"channel": notify_channel(service_name)}
    )


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
    await notify_relay(session, service_name)
    return affected_rows(result)


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


def affected_rows(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched (session.execute types its result as a plain Result)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
