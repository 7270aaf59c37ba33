"""The outbox relay: publishes committed outbox rows to Kafka, in order, exactly as written.

One relay per service is active at a time (a PostgreSQL advisory lock); standbys wait for the
lock and take over when the holder's connection dies. The relay wakes on NOTIFY after each
commit and polls as a fallback. It sends with acks=all and records the partition and offset the
broker acknowledged. Those records are how it notices a broker that lost data:

* at start (or after any reconnection) a partition whose end offset is 0 while we hold
  acknowledged offsets for it means the broker is fresh or was wiped (the in-memory embedded
  broker after every restart);
* while running, an acknowledged offset at or below one already recorded for its partition
  means the log went backwards.

Either way the retained rows of that partition are marked unpublished and sent again in their
original order. Consumers deduplicate through their inbox, so the repeat has no effect beyond
restoring what the broker lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared import observability
from shared.db import Database, asyncpg_dsn
from shared.events.cloudevents import encode_headers, encode_value
from shared.events.outbox import affected_rows, backlog, notify_channel
from shared.events.topics import ensure_topics
from shared.http.idempotency import purge_idempotency_keys
from shared.settings import ServiceSettings
from shared.tables import outbox

log = logging.getLogger(__name__)

PURGE_INTERVAL_SECONDS = 300.0


def advisory_lock_key(service_name: str) -> int:
    """A stable signed 64-bit key per service for pg_try_advisory_lock."""
    return zlib.crc32(f"outbox-relay:{service_name}".encode())


@dataclass
class _Row:
    id: Any
    seq: int
    topic: str
    key: str
    type: str
    subject: str
    time: datetime
    payload: dict[str, Any]
    traceparent: str | None


class OutboxRelay:
    def __init__(self, *, db: Database, settings: ServiceSettings) -> None:
        self._db = db
        self._settings = settings
        self._service = settings.service_name
        self._wake = asyncio.Event()
        self._last_acked: dict[tuple[str, int], int] = {}
        self._last_purge = 0.0
        self.is_leader = False

    # ---- lifecycle -------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set, surviving broker and database outages."""
        backoff = 0.5
        while not stop.is_set():
            try:
                await self._lead(stop)
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying", extra={"service": self._service})
                self.is_leader = False
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 10.0)

    async def _lead(self, stop: asyncio.Event) -> None:
        lock_conn: asyncpg.Connection = await asyncpg.connect(asyncpg_dsn(self._db.url))
        try:
            key = advisory_lock_key(self._service)
            while not stop.is_set():
                if await lock_conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                    break
                await _sleep_or_stop(stop, self._settings.outbox_poll_interval_seconds * 2)
            if stop.is_set():
                return
            self.is_leader = True
            log.info("outbox relay is active", extra={"service": self._service})
            await lock_conn.add_listener(notify_channel(self._service), self._on_notify)
            producer = AIOKafkaProducer(
                bootstrap_servers=self._settings.kafka_bootstrap_servers,
                acks="all",
                enable_idempotence=self._settings.kafka_enable_idempotence,
                linger_ms=2,
                max_batch_size=256 * 1024,
                request_timeout_ms=15_000,
                client_id=f"{self._service}-relay",
            )
            await producer.start()
            try:
                await ensure_topics(
                    self._settings.kafka_bootstrap_servers,
                    [self._settings.topic],
                    partitions=self._settings.kafka_topic_partitions,
                )
                await self._recover_lost_partitions()
                while not stop.is_set():
                    # The lock connection doubles as our liveness probe of the database: if it
                    # died, another replica may already hold the lock, so we must stop at once.
                    await lock_conn.fetchval("SELECT 1")
                    sent = await self._drain(producer)
                    await self._maybe_purge()
                    if sent == 0:
                        self._wake.clear()
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(
                                _first_of(self._wake, stop),
                                self._settings.outbox_poll_interval_seconds,
                            )
            finally:
                await producer.stop()
        finally:
            self.is_leader = False
            with contextlib.suppress(Exception):
                await lock_conn.close(timeout=2)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    # ---- publishing ------------------------------------------------------------------------

    async def _drain(self, producer: AIOKafkaProducer) -> int:
        """Publish every pending row, batch by batch; return how many were sent."""
        total = 0
        while True:
            async with self._db.session() as session:
                rows = await _pending(session, self._settings.outbox_batch_size)
            if not rows:
                await self._report_backlog()
                return total
            futures = [
                await producer.send(
                    row.topic,
                    value=encode_value(row.payload),
                    key=row.key.encode(),
                    headers=encode_headers(
                        event_id=row.id,
                        source=self._settings.source,
                        event_type=row.type,
                        time=row.time,
                        subject=row.subject,
                        traceparent=row.traceparent,
                    ),
                )
                for row in rows
            ]
            acks = await asyncio.gather(*futures)
            lost: set[tuple[str, int]] = set()
            for row, meta in zip(rows, acks, strict=True):
                tp = (row.topic, meta.partition)
                previous = self._last_acked.get(tp)
                if previous is not None and meta.offset <= previous:
                    lost.add(tp)
                self._last_acked[tp] = meta.offset
            async with self._db.session() as session, session.begin():
                await session.execute(
                    update(outbox)
                    .where(outbox.c.id == bindparam("row_id"))
                    .values(
                        published_at=func.now(),
                        partition=bindparam("p"),
                        offset=bindparam("o"),
                    )
                    .execution_options(synchronize_session=False),
                    [
                        {"row_id": row.id, "p": meta.partition, "o": meta.offset}
                        for row, meta in zip(rows, acks, strict=True)
                    ],
                )
            observability.EVENTS_PUBLISHED.labels(service=self._service).inc(len(rows))
            total += len(rows)
            if lost:
                log.warning(
                    "broker offsets went backwards: re-publishing retained events",
                    extra={"service": self._service, "partitions": sorted(lost)},
                )
                await self._mark_unpublished(lost)

    async def _recover_lost_partitions(self) -> None:
        """Compare what we recorded with what the broker holds; refill partitions it lost."""
        async with self._db.session() as session:
            recorded = (
                await session.execute(
                    select(outbox.c.topic, outbox.c.partition, func.max(outbox.c.offset))
                    .where(outbox.c.published_at.is_not(None), outbox.c.partition.is_not(None))
                    .group_by(outbox.c.topic, outbox.c.partition)
                )
            ).all()
        self._last_acked = {(t, int(p)): int(o) for t, p, o in recorded}
        if not recorded:
            return
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            enable_auto_commit=False,
            client_id=f"{self._service}-relay-check",
        )
        await consumer.start()
        try:
            partitions = [TopicPartition(t, p) for t, p in self._last_acked]
            ends = await consumer.end_offsets(partitions)
        finally:
            await consumer.stop()
        # Only an empty partition is trusted as proof of loss: the embedded broker reports a
        # too-low end offset after multi-record batches (ARCHITECTURE §3), so "end <= recorded"
        # would misfire there; the backwards-ack check in _drain covers the remaining cases.
        lost = {(tp.topic, tp.partition) for tp, end in ends.items() if end == 0}
        if lost:
            log.warning(
                "broker holds none of our acknowledged events: re-publishing",
                extra={"service": self._service, "partitions": sorted(lost)},
            )
            await self._mark_unpublished(lost)

    async def _mark_unpublished(self, partitions: set[tuple[str, int]]) -> None:
        async with self._db.session() as session, session.begin():
            for topic, partition in partitions:
                await session.execute(
                    update(outbox)
                    .where(outbox.c.topic == topic, outbox.c.partition == partition)
                    .values(published_at=None, partition=None, offset=None)
                )
        for tp in partitions:
            self._last_acked.pop(tp, None)

    # ---- housekeeping ----------------------------------------------------------------------

    async def _maybe_purge(self) -> None:
        now = time.monotonic()
        if now - self._last_purge < PURGE_INTERVAL_SECONDS:
            return
        self._last_purge = now
        cutoff = datetime.now(UTC) - timedelta(days=self._settings.outbox_retention_days)
        async with self._db.session() as session, session.begin():
            result = await session.execute(
                delete(outbox).where(
                    outbox.c.published_at.is_not(None), outbox.c.published_at < cutoff
                )
            )
            keys = await purge_idempotency_keys(
                session, retention_hours=self._settings.idempotency_retention_hours
            )
        purged = affected_rows(result)
        if purged or keys:
            log.info(
                "housekeeping",
                extra={"outbox_rows_purged": purged, "idempotency_keys_purged": keys},
            )

    async def _report_backlog(self) -> None:
        async with self._db.session() as session:
            count, age = await backlog(session)
        observability.OUTBOX_BACKLOG.labels(service=self._service).set(count)
        observability.OUTBOX_OLDEST_AGE.labels(service=self._service).set(age)


async def _pending(session: AsyncSession, limit: int) -> list[_Row]:
    result = await session.execute(
        select(
            outbox.c.id,
            outbox.c.seq,
            outbox.c.topic,
            outbox.c.key,
            outbox.c.type,
            outbox.c.subject,
            outbox.c.time,
            outbox.c.payload,
            outbox.c.traceparent,
        )
        .where(outbox.c.published_at.is_(None))
        .order_by(outbox.c.seq)
        .limit(limit)
    )
    return [_Row(**row._mapping) for row in result]


async def _first_of(*events: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
