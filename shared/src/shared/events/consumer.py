"""The consumer runner: at-least-once delivery, exactly-once effects.

The valid messages of one fetched partition batch are applied together in one database
transaction that also inserts each ``(consumer, source, id)`` into the inbox; a redelivered
message finds its row and is skipped. When any handler of the batch fails, the transaction is
rolled back and the same messages are applied one per transaction, so only the failing one is
retried or dead-lettered. Offsets are committed per partition only after the transaction
commits. A message that can
never succeed (bad envelope, invalid JSON, a payload failing validation, a handler that keeps
raising) is copied to ``leadership.dlq.<group>`` with the reason in its headers, and the
partition moves on. A database outage is different: nothing is wrong with the message, so the
runner waits for the database and retries without dead-lettering.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from shared import observability
from shared.db import Database
from shared.events.cloudevents import Envelope, PoisonMessage, decode_message
from shared.events.model import Event
from shared.events.topics import dead_letter_topic, ensure_topics
from shared.settings import ServiceSettings
from shared.tables import inbox

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Envelope, Any], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, list[tuple[Envelope, Any]]], Awaitable[None]]

# Built once: constructing the statement for every message cost more CPU than executing it.
_INBOX_INSERT = (
    pg_insert(inbox)
    .values(
        consumer=bindparam("consumer"),
        source=bindparam("source"),
        event_id=bindparam("event_id"),
        type=bindparam("type"),
    )
    .on_conflict_do_nothing()
    .returning(inbox.c.event_id)
)
# The inbox rows of a whole batch in one statement: a row per (source, id) not seen before comes
# back, so the handlers run for exactly those.
_INBOX_INSERT_MANY = text(
    """
    INSERT INTO inbox (consumer, source, event_id, type)
    SELECT :consumer, source, event_id, type
    FROM unnest(CAST(:sources AS text[]), CAST(:event_ids AS text[]), CAST(:types AS text[]))
         AS batch(source, event_id, type)
    ON CONFLICT DO NOTHING
    RETURNING source, event_id
    """
)


@dataclass(frozen=True)
class Subscription:
    """What to do with one event type: validate with `model`, then call `handler`.

    `batch_handler`, when given, applies a run of consecutive events of this type in one call
    (set-based SQL instead of a few statements per event); it must leave exactly the state that
    calling `handler` on each event in order leaves. The events it publishes may announce the
    net change of the run rather than every step inside it (a value that moves and moves back
    within one run need not be announced at all); a batch handler that does so says so. The
    runner uses it inside a batch transaction and falls back to `handler`, one event per
    transaction, when the batch fails.
    """

    model: type[Event]
    handler: Handler
    batch_handler: BatchHandler | None = None


@dataclass(frozen=True)
class _Ready:
    """A message that decoded and validated: what a handler needs to apply it."""

    record: ConsumerRecord[bytes, bytes]
    envelope: Envelope
    event: Event
    subscription: Subscription


class _Transient(Exception):
    """The database is unreachable: retry the same message later, never dead-letter it."""


class _BatchFailed(Exception):
    """A handler raised inside a batch: the batch was rolled back."""


class _ConnectionLease:
    """One pooled connection for the messages of one fetched batch.

    A checkout per message cost a pre-ping (two round trips on asyncpg) and the pool's
    bookkeeping. Each message still gets its own transaction and its own fresh session, so the
    messages share nothing but the connection; a connection that failed is thrown away.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._connection: AsyncConnection | None = None

    async def acquire(self) -> AsyncConnection:
        if self._connection is None:
            self._connection = await self._db.engine.connect()
        return self._connection

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    async def discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()
            with contextlib.suppress(Exception):
                await connection.close()


class EventConsumer:
    def __init__(
        self,
        *,
        db: Database,
        settings: ServiceSettings,
        group_id: str,
        topics: list[str],
        subscriptions: Mapping[str, Subscription],
    ) -> None:
        self._db = db
        self._settings = settings
        self.group_id = group_id
        self._topics = topics
        self._subscriptions = dict(subscriptions)
        self._dlq_topic = dead_letter_topic(group_id)
        self._processed: dict[TopicPartition, int] = {}
        self._positions: dict[TopicPartition, int] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._lease = _ConnectionLease(db)
        self.running = False

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            try:
                await self._consume(stop)
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("consumer failed; restarting", extra={"group": self.group_id})
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 10.0)

    async def _consume(self, stop: asyncio.Event) -> None:
        await ensure_topics(
            self._settings.kafka_bootstrap_servers,
            [*self._topics, self._dlq_topic],
            partitions=self._settings.kafka_topic_partitions,
        )
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            group_id=self.group_id,
            client_id=f"{self._settings.service_name}-{self.group_id}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=500,
            # How long the broker may hold a fetch that finds nothing new. The embedded broker
            # (Tansu) does not answer early when a message arrives, so aiokafka's default of
            # 500 ms added 0-250 ms to every hop (bench/README.md); Apache Kafka answers at once
            # either way, and 100 ms only makes an idle consumer ask more often.
            fetch_max_wait_ms=100,
            session_timeout_ms=self._settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=self._settings.kafka_heartbeat_interval_ms,
            max_poll_interval_ms=300_000,
        )
        producer = AIOKafkaProducer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            acks="all",
            enable_idempotence=self._settings.kafka_enable_idempotence,
            client_id=f"{self._settings.service_name}-{self.group_id}-dlq",
        )
        consumer.subscribe(self._topics, listener=_CommitOnRevoke(self))
        await consumer.start()
        await producer.start()
        self._consumer = consumer
        self.running = True
        try:
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=200, max_records=500)
                try:
                    for tp, records in batches.items():
                        size = self._settings.consumer_batch_size
                        for start in range(0, len(records), size):
                            if stop.is_set():
                                break
                            chunk = records[start : start + size]
                            await self._process_batch(chunk, producer, stop)
                            self._processed[tp] = chunk[-1].offset + 1
                            self._positions[tp] = chunk[-1].offset + 1
                finally:
                    await self._lease.release()
                await self.commit_processed()
                self._report_lag(consumer)
        finally:
            self.running = False
            with contextlib.suppress(Exception):
                await self.commit_processed()
            self._consumer = None
            await consumer.stop()
            await producer.stop()

    async def commit_processed(self) -> None:
        consumer = self._consumer
        if consumer is None or not self._processed:
            return
        assigned = consumer.assignment()
        offsets = {tp: off for tp, off in self._processed.items() if tp in assigned}
        self._processed.clear()
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
        except CommitFailedError:
            # A rebalance moved the partition away; the new owner re-reads from the last
            # committed offset and the inbox makes the repeat harmless.
            log.warning("offset commit lost to a rebalance", extra={"group": self.group_id})

    # ---- a batch of one partition ----------------------------------------------------------

    async def _process_batch(
        self,
        records: list[ConsumerRecord[bytes, bytes]],
        producer: AIOKafkaProducer,
        stop: asyncio.Event,
    ) -> None:
        ready = [r for record in records if (r := await self._prepare(record, producer))]
        if len(ready) > 1:
            db_backoff = 0.5
            while True:
                try:
                    await self._apply_many(ready)
                    self._count_consumed(ready)
                    return
                except _Transient:
                    if stop.is_set():
                        raise
                    log.warning(
                        "database unavailable; waiting to retry", extra={"group": self.group_id}
                    )
                    await _sleep_or_stop(stop, db_backoff)
                    db_backoff = min(db_backoff * 2, 5.0)
                except _BatchFailed:
                    log.info(
                        "a handler failed inside a batch; applying its events one by one",
                        extra={"group": self.group_id, "events": len(ready)},
                    )
                    break
        for item in ready:
            await self._process(item, producer, stop)

    async def _prepare(
        self, record: ConsumerRecord[bytes, bytes], producer: AIOKafkaProducer
    ) -> _Ready | None:
        """The message ready to apply, or None when it was dead-lettered or is not ours."""
        try:
            envelope = decode_message(key=record.key, value=record.value, headers=record.headers)
        except PoisonMessage as poison:
            await self._dead_letter(record, producer, poison.reason, poison.detail)
            return None
        subscription = self._subscriptions.get(envelope.type)
        if subscription is None:
            # A well-formed leadership event this group has no use for (another consumer's, or
            # a type added later): skip it. Malformed types were rejected by decode_message.
            return None
        try:
            event = subscription.model.model_validate(envelope.data)
        except ValidationError as exc:
            await self._dead_letter(record, producer, "invalid-payload", _summarise(exc))
            return None
        return _Ready(record, envelope, event, subscription)

    def _count_consumed(self, items: list[_Ready]) -> None:
        for item in items:
            observability.EVENTS_CONSUMED.labels(
                service=self._settings.service_name, group=self.group_id, type=item.envelope.type
            ).inc()

    async def _apply_many(self, items: list[_Ready]) -> None:
        try:
            connection = await self._lease.acquire()
            async with (
                AsyncSession(bind=connection, expire_on_commit=False, autoflush=False) as session,
                session.begin(),
            ):
                inserted = await session.execute(
                    _INBOX_INSERT_MANY,
                    {
                        "consumer": self.group_id,
                        "sources": [i.envelope.source for i in items],
                        "event_ids": [i.envelope.id for i in items],
                        "types": [i.envelope.type for i in items],
                    },
                )
                new = {(row.source, row.event_id) for row in inserted}
                fresh = []
                for item in items:
                    key = (item.envelope.source, item.envelope.id)
                    if key in new:  # else already applied, or a repeat inside this batch
                        new.discard(key)
                        fresh.append(item)
                for run in _runs_of_one_subscription(fresh):
                    try:
                        await _apply_run(session, run)
                    except (OperationalError, InterfaceError, ConnectionError, OSError):
                        raise
                    except DBAPIError as exc:
                        if exc.connection_invalidated:
                            raise
                        raise _BatchFailed() from exc
                    except Exception as exc:
                        raise _BatchFailed() from exc
        except (OperationalError, InterfaceError, ConnectionError, OSError) as exc:
            await self._lease.discard()
            raise _Transient() from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                await self._lease.discard()
                raise _Transient() from exc
            raise _BatchFailed() from exc

    # ---- one message -----------------------------------------------------------------------

    async def _process(self, item: _Ready, producer: AIOKafkaProducer, stop: asyncio.Event) -> None:
        record, envelope, event = item.record, item.envelope, item.event
        attempt = 0
        db_backoff = 0.5
        while True:
            try:
                await self._apply(envelope, event, item.subscription.handler)
                self._count_consumed([item])
                return
            except _Transient:
                if stop.is_set():
                    raise
                log.warning(
                    "database unavailable; waiting to retry", extra={"group": self.group_id}
                )
                await _sleep_or_stop(stop, db_backoff)
                db_backoff = min(db_backoff * 2, 5.0)
            except Exception as exc:
                attempt += 1
                if attempt > self._settings.consumer_max_retries:
                    await self._dead_letter(
                        record, producer, "handler-error", f"{type(exc).__name__}: {exc}"[:500]
                    )
                    return
                log.warning(
                    "handler failed; retrying",
                    extra={"group": self.group_id, "type": envelope.type, "attempt": attempt},
                )
                await asyncio.sleep(
                    self._settings.consumer_retry_backoff_seconds * 2 ** (attempt - 1)
                )

    async def _apply(self, envelope: Envelope, event: Event, handler: Handler) -> None:
        try:
            connection = await self._lease.acquire()
            # The session settings of Database.sessionmaker, on the batch's connection.
            async with (
                AsyncSession(bind=connection, expire_on_commit=False, autoflush=False) as session,
                session.begin(),
            ):
                inserted = await session.execute(
                    _INBOX_INSERT,
                    {
                        "consumer": self.group_id,
                        "source": envelope.source,
                        "event_id": envelope.id,
                        "type": envelope.type,
                    },
                )
                if inserted.first() is None:
                    return  # already applied: a redelivery
                await handler(session, envelope, event)
        except (OperationalError, InterfaceError, ConnectionError, OSError) as exc:
            await self._lease.discard()
            raise _Transient() from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                await self._lease.discard()
                raise _Transient() from exc
            raise

    async def _dead_letter(
        self,
        record: ConsumerRecord[bytes, bytes],
        producer: AIOKafkaProducer,
        reason: str,
        detail: str,
    ) -> None:
        headers = [
            *[(k, v) for k, v in record.headers if not k.startswith("dlq_")],
            ("dlq_reason", reason.encode()),
            ("dlq_error", detail.encode(errors="replace")[:1000]),
            ("dlq_consumer_group", self.group_id.encode()),
            ("dlq_original_topic", record.topic.encode()),
            ("dlq_original_partition", str(record.partition).encode()),
            ("dlq_original_offset", str(record.offset).encode()),
            ("dlq_failed_at", datetime.now(UTC).isoformat().encode()),
        ]
        while True:
            try:
                await producer.send_and_wait(
                    self._dlq_topic, value=record.value, key=record.key, headers=headers
                )
                break
            except KafkaError:
                log.exception(
                    "dead-letter publish failed; retrying", extra={"group": self.group_id}
                )
                await asyncio.sleep(1.0)
        observability.EVENTS_DEAD_LETTERED.labels(
            service=self._settings.service_name, group=self.group_id, reason=reason
        ).inc()
        log.warning(
            "message dead-lettered",
            extra={
                "group": self.group_id,
                "reason": reason,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
            },
        )

    def _report_lag(self, consumer: AIOKafkaConsumer) -> None:
        for tp, position in self._positions.items():
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            # On the embedded broker the high watermark is approximate (ARCHITECTURE §3), so
            # this gauge is for dashboards only; nothing decides on it.
            observability.CONSUMER_LAG.labels(
                service=self._settings.service_name,
                group=self.group_id,
                topic=tp.topic,
                partition=str(tp.partition),
            ).set(max(highwater - position, 0))


def _runs_of_one_subscription(items: list[_Ready]) -> list[list[_Ready]]:
    """Consecutive items of the same subscription, in order (a run keeps the event order)."""
    runs: list[list[_Ready]] = []
    for item in items:
        if runs and runs[-1][0].subscription is item.subscription:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


async def _apply_run(session: AsyncSession, run: list[_Ready]) -> None:
    subscription = run[0].subscription
    if subscription.batch_handler is not None and len(run) > 1:
        await subscription.batch_handler(session, [(i.envelope, i.event) for i in run])
        return
    for item in run:
        await subscription.handler(session, item.envelope, item.event)


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runner: EventConsumer) -> None:
        self._runner = runner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._runner.commit_processed()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        return None


def _summarise(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:5]]
    return "; ".join(parts)[:500]


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
