"""Publishing events into the caller's open transaction.

Routes that take an Idempotency-Key run inside the transaction `run_idempotent` opens, not a
`UnitOfWork`; `Publish` is the one thing service functions need from either (``uow.publish`` has
the same shape), so the domain code does not care which one drives it.
"""

import uuid
from collections.abc import Awaitable, Callable

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.model import Event
from shared.events.outbox import add_to_outbox
from shared.settings import ServiceSettings

Publish = Callable[[Event], Awaitable[uuid.UUID]]


def outbox_publisher(
    session: AsyncSession, *, service_name: str, traceparent: str | None = None
) -> Publish:
    async def publish(event: Event) -> uuid.UUID:
        return await add_to_outbox(
            session, event, service_name=service_name, traceparent=traceparent
        )

    return publish


def request_publisher(session: AsyncSession, request: Request) -> Publish:
    """A publisher for a route's transaction, carrying the request's trace context."""
    settings: ServiceSettings = request.app.state.settings
    return outbox_publisher(
        session,
        service_name=settings.service_name,
        traceparent=request.headers.get("traceparent"),
    )
