"""The unit of work: domain changes and the events they cause commit in one transaction.

    async with UnitOfWork(db, service_name="appraisal") as uow:
        appraisal = await appraisal_service.complete(session=uow.session, ...)
        await uow.publish(AppraisalCompleted(...))
        await uow.commit()

Leaving the block without `commit()` rolls everything back, events included.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.events.model import Event
from shared.events.outbox import add_many_to_outbox


class UnitOfWork:
    def __init__(self, db: Database, *, service_name: str, traceparent: str | None = None) -> None:
        self._db = db
        self._service_name = service_name
        self._traceparent = traceparent
        self._session: AsyncSession | None = None
        self.published: list[uuid.UUID] = []
        self._notified = False

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its 'async with' block")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._db.sessionmaker()
        await self._session.begin()
        self._notified = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if session.in_transaction():
                await session.rollback()
        finally:
            await session.close()
            self._session = None

    async def publish(self, event: Event) -> uuid.UUID:
        (event_id,) = await self.publish_many([event])
        return event_id

    async def publish_many(self, events: Sequence[Event]) -> list[uuid.UUID]:
        """Append events in order with one INSERT; one NOTIFY per transaction wakes the relay."""
        ids = await add_many_to_outbox(
            self.session,
            events,
            service_name=self._service_name,
            traceparent=self._traceparent,
            notify=not self._notified,
        )
        self._notified = self._notified or bool(ids)
        self.published.extend(ids)
        return ids

    async def commit(self) -> None:
        await self.session.commit()
        self._notified = False  # the next transaction needs its own NOTIFY
