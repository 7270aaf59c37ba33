"""The service's consumer, able to stop, let its projections be rebuilt, and start again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence

from shared.db import Database
from shared.events.consumer import EventConsumer
from shared.settings import ServiceSettings
from talent.replay import service as replay_service

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5


class ReplayableConsumer:
    """Runs an `EventConsumer` and watches ``replay_requests`` beside it.

    When a replay is requested it stops the consumer (which commits what it processed and
    leaves the group), takes part in the reset, and starts a fresh consumer that re-reads the
    topics from the beginning. While the replay rebuilds, it checks whether the group has
    caught up with where it was, and then completes the replay.
    """

    def __init__(
        self,
        *,
        db: Database,
        settings: ServiceSettings,
        topics: Sequence[str],
        make_consumer: Callable[[], EventConsumer],
    ) -> None:
        self._db = db
        self._settings = settings
        self._topics = list(topics)
        self._make_consumer = make_consumer
        self._inner = make_consumer()
        self.group_id = self._inner.group_id

    @property
    def running(self) -> bool:
        return self._inner.running

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            inner_stop = asyncio.Event()
            task = asyncio.create_task(self._inner.run(inner_stop), name=f"{self.group_id}-inner")
            try:
                replay_id = await self._watch(stop)
            finally:
                inner_stop.set()
                with contextlib.suppress(Exception):
                    await task
            if replay_id is None:
                return
            await self._reset(replay_id, stop)
            self._inner = self._make_consumer()

    async def _watch(self, stop: asyncio.Event) -> uuid.UUID | None:
        """Until told to stop (None) or a replay needs this consumer stopped (its id)."""
        while not stop.is_set():
            try:
                found = await replay_service.open_replay(self._db, self.group_id)
                if found is not None:
                    replay_id, status = found
                    if status in ("requested", "resetting"):
                        return replay_id
                    await self._complete_if_caught_up(replay_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("replay watch failed; retrying", extra={"group": self.group_id})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL_SECONDS)
        return None

    async def _complete_if_caught_up(self, replay_id: uuid.UUID) -> None:
        target = await replay_service.target_offsets(self._db, replay_id)
        committed = await replay_service.committed_offsets(
            self._settings, self.group_id, self._topics
        )
        if replay_service.caught_up(target, committed):
            await replay_service.complete(self._db, replay_id)

    async def _reset(self, replay_id: uuid.UUID, stop: asyncio.Event) -> None:
        if not await replay_service.claim(self._db, replay_id):
            # Another replica resets; start again once it has (or once it gave up).
            while not stop.is_set():
                found = await replay_service.open_replay(self._db, self.group_id)
                if found is None or found[1] == "rebuilding":
                    return
                await asyncio.sleep(POLL_SECONDS)
            return
        try:
            target = await replay_service.rewind_group(self._settings, self.group_id, self._topics)
            await replay_service.empty_projections(
                self._db, replay_id=replay_id, group_id=self.group_id, target_offsets=target
            )
            if not target:
                # Nothing had ever been consumed: the rebuild is already complete.
                await replay_service.complete(self._db, replay_id)
            log.info("consumer group rewound", extra={"group": self.group_id})
        except Exception as exc:
            log.exception("replay reset failed", extra={"group": self.group_id})
            await replay_service.fail(self._db, replay_id, f"{type(exc).__name__}: {exc}")
