"""The event backbone against the real embedded PostgreSQL and broker: outbox → relay → topic →
consumer → inbox, with CloudEvents conformance, ordering, duplicates and dead letters."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import ClassVar

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from cloudevents.core.bindings import kafka as ce_kafka
from sqlalchemy import Column, Integer, MetaData, Table, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from devstack.testing import eventually
from shared.db import Database
from shared.events.cloudevents import encode_headers, encode_value
from shared.events.consumer import EventConsumer, Subscription
from shared.events.model import Event
from shared.events.relay import OutboxRelay
from shared.settings import ServiceSettings
from shared.tables import PLATFORM_METADATA, inbox, outbox
from shared.uow import UnitOfWork


class SampleHappened(Event):
    """A test event keyed by person."""

    event_name: ClassVar[str] = "sample.happened"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "samples/{sample_id}"

    sample_id: uuid.UUID
    person_id: str
    n: int


effects_metadata = MetaData()
effects = Table(
    "effects",
    effects_metadata,
    Column("event_id", Text, primary_key=True),
    Column("person_id", Text, nullable=False),
    Column("n", Integer, nullable=False),
)


def _settings(service: str, url: str, bootstrap: str, **extra: object) -> ServiceSettings:
    return ServiceSettings(
        service_name=service,
        environment="test",
        database_url=url,
        kafka_bootstrap_servers=bootstrap,
        kafka_enable_idempotence=False,
        outbox_poll_interval_seconds=0.2,
        consumer_retry_backoff_seconds=0.01,
        kafka_session_timeout_ms=2_000,
        kafka_heartbeat_interval_ms=300,
        **extra,
    )


@pytest.fixture
async def database(pg_database_url: str) -> AsyncIterator[Database]:
    db = Database(pg_database_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(PLATFORM_METADATA.create_all)
        await conn.run_sync(effects_metadata.create_all)
    yield db
    await db.dispose()


def _service_name() -> str:
    return "t" + uuid.uuid4().hex[:10]


async def _emit(db: Database, service: str, count: int, person: str = "P1", start: int = 0) -> None:
    async with UnitOfWork(db, service_name=service) as uow:
        for n in range(start, start + count):
            await uow.publish(SampleHappened(sample_id=uuid.uuid4(), person_id=person, n=n))
        await uow.commit()


async def _read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 15.0) -> list:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for part in batch.values():
                records.extend(part)
    finally:
        await consumer.stop()
    return records


async def _run(
    *workers: OutboxRelay | EventConsumer,
) -> tuple[asyncio.Event, list[asyncio.Task[None]]]:
    stop = asyncio.Event()
    return stop, [asyncio.create_task(w.run(stop)) for w in workers]


async def _stop(stop: asyncio.Event, tasks: list[asyncio.Task[None]]) -> None:
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 15)


async def test_rollback_writes_no_outbox_row(database: Database) -> None:
    async with UnitOfWork(database, service_name="x") as uow:
        await uow.publish(SampleHappened(sample_id=uuid.uuid4(), person_id="P1", n=1))
        # leaving without commit rolls the event back with the change
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(outbox)) == 0


async def test_relay_publishes_cloudevents_in_order_and_records_offsets(
    database: Database, embedded_broker
) -> None:
    service = _service_name()
    settings = _settings(service, database.url, embedded_broker.bootstrap_servers)
    await _emit(database, service, 50)
    relay = OutboxRelay(db=database, settings=settings)
    stop, tasks = await _run(relay)
    try:
        records = await _read_topic(embedded_broker.bootstrap_servers, settings.topic, 50)
    finally:
        await _stop(stop, tasks)

    assert len(records) == 50
    assert [json.loads(r.value)["n"] for r in records] == list(range(50))  # one key, one order
    first = records[0]
    event = ce_kafka.from_binary_event(
        ce_kafka.KafkaMessage(headers=dict(first.headers), key=first.key, value=first.value)
    )
    assert event.get_specversion() == "1.0"
    assert event.get_type() == "leadership.sample.happened.v1"
    assert event.get_source() == f"/leadership/{service}"
    assert event.get_subject().startswith("samples/")
    assert event.get_datacontenttype() == "application/json"
    assert event.get_data()["person_id"] == "P1"
    assert first.key == b"P1"

    async with database.session() as session:
        rows = (await session.execute(select(outbox).order_by(outbox.c.seq))).all()
    assert all(r.published_at is not None and r.offset is not None for r in rows)
    assert str(rows[0].id) == event.get_id()


async def test_only_one_relay_is_active(database: Database, embedded_broker) -> None:
    service = _service_name()
    settings = _settings(service, database.url, embedded_broker.bootstrap_servers)
    first, second = (
        OutboxRelay(db=database, settings=settings),
        OutboxRelay(db=database, settings=settings),
    )
    stop, tasks = await _run(first, second)
    try:
        await eventually(lambda: first.is_leader or second.is_leader)
        await asyncio.sleep(0.5)
        assert first.is_leader != second.is_leader
        await _emit(database, service, 20)
        records = await _read_topic(embedded_broker.bootstrap_servers, settings.topic, 20)
        assert len(records) == 20
    finally:
        await _stop(stop, tasks)


async def test_consumer_applies_each_event_once_and_dead_letters_poison(
    database: Database, embedded_broker
) -> None:
    service = _service_name()
    topic = f"leadership.{service}"
    group = f"g{uuid.uuid4().hex[:8]}"
    settings = _settings(
        "talent", database.url, embedded_broker.bootstrap_servers, consumer_group=group
    )

    async def apply(session: AsyncSession, envelope, event: SampleHappened) -> None:
        if event.n == 13:
            raise RuntimeError("unlucky")
        await session.execute(
            effects.insert().values(event_id=envelope.id, person_id=event.person_id, n=event.n)
        )

    consumer = EventConsumer(
        db=database,
        settings=settings,
        group_id=group,
        topics=[topic],
        subscriptions={SampleHappened.event_type(): Subscription(SampleHappened, apply)},
    )
    producer = AIOKafkaProducer(bootstrap_servers=embedded_broker.bootstrap_servers)
    await producer.start()

    def headers(
        event_id: str, event_type: str = SampleHappened.event_type()
    ) -> list[tuple[str, bytes]]:
        return encode_headers(
            event_id=event_id,
            source="/leadership/test",
            event_type=event_type,
            time=__import__("datetime").datetime.now(),
            subject="samples/x",
        )

    good = SampleHappened(sample_id=uuid.uuid4(), person_id="P9", n=1)
    duplicate_id = str(uuid.uuid4())
    try:
        await embedded_broker.create_topics_async([topic])
        sends = [
            (encode_value(good.to_data()), headers(duplicate_id)),
            (encode_value(good.to_data()), headers(duplicate_id)),  # redelivery: same ce_id
            (b"{not json", headers(str(uuid.uuid4()))),
            (encode_value(good.to_data()), headers(str(uuid.uuid4()), "com.example.unknown")),
            (encode_value({"person_id": "P9", "n": "many"}), headers(str(uuid.uuid4()))),
            (encode_value({**good.to_data(), "n": 13}), headers(str(uuid.uuid4()))),
            (encode_value({**good.to_data(), "n": 2}), headers(str(uuid.uuid4()))),
        ]
        for value, hdrs in sends:
            await producer.send_and_wait(topic, value=value, key=b"P9", headers=hdrs)
    finally:
        await producer.stop()

    stop, tasks = await _run(consumer)
    try:

        async def applied() -> list[int]:
            async with database.session() as session:
                return sorted((await session.scalars(select(effects.c.n))).all())

        await eventually(lambda: _equals(applied(), [1, 2]), timeout=30)
        dead = await _read_topic(embedded_broker.bootstrap_servers, f"leadership.dlq.{group}", 4)
    finally:
        await _stop(stop, tasks)

    reasons = sorted(dict(r.headers)["dlq_reason"].decode() for r in dead)
    assert reasons == ["handler-error", "invalid-json", "invalid-payload", "unknown-type"]
    for record in dead:
        hdrs = dict(record.headers)
        assert hdrs["dlq_original_topic"].decode() == topic
        assert hdrs["dlq_error"]
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(inbox)) == 2


async def _equals(value_awaitable, expected) -> bool:
    return await value_awaitable == expected


async def test_consumer_applies_batches_in_one_transaction_and_isolates_a_failing_event(
    database: Database, embedded_broker
) -> None:
    """Events already waiting are applied many per transaction; a handler failing inside a
    batch rolls the batch back and only the failing event is retried and dead-lettered."""
    service = _service_name()
    topic = f"leadership.{service}"
    group = f"g{uuid.uuid4().hex[:8]}"
    settings = _settings(
        "talent",
        database.url,
        embedded_broker.bootstrap_servers,
        consumer_group=group,
        consumer_batch_size=100,
    )

    async def apply(session: AsyncSession, envelope, event: SampleHappened) -> None:
        await session.execute(
            effects.insert().values(event_id=envelope.id, person_id=event.person_id, n=event.n)
        )
        if event.n == 150:
            raise RuntimeError("unlucky")

    await embedded_broker.create_topics_async([topic])
    producer = AIOKafkaProducer(bootstrap_servers=embedded_broker.bootstrap_servers)
    await producer.start()
    ids = [str(uuid.uuid4()) for _ in range(300)]
    try:
        for n, event_id in [*enumerate(ids), (10, ids[10])]:  # the last one is a redelivery
            event = SampleHappened(sample_id=uuid.uuid4(), person_id="P7", n=n)
            hdrs = encode_headers(
                event_id=event_id,
                source="/leadership/test",
                event_type=SampleHappened.event_type(),
                time=__import__("datetime").datetime.now(),
                subject="samples/x",
            )
            await producer.send(topic, value=encode_value(event.to_data()), key=b"P7", headers=hdrs)
        await producer.flush()
    finally:
        await producer.stop()

    consumer = EventConsumer(
        db=database,
        settings=settings,
        group_id=group,
        topics=[topic],
        subscriptions={SampleHappened.event_type(): Subscription(SampleHappened, apply)},
    )
    stop, tasks = await _run(consumer)
    try:

        async def applied_count() -> int:
            async with database.session() as session:
                return int(await session.scalar(select(func.count()).select_from(effects)) or 0)

        await eventually(lambda: _equals(applied_count(), 299), timeout=60)
        dead = await _read_topic(embedded_broker.bootstrap_servers, f"leadership.dlq.{group}", 1)
    finally:
        await _stop(stop, tasks)

    async with database.session() as session:
        applied = sorted((await session.scalars(select(effects.c.n))).all())
        # now() is the transaction's start time, so rows sharing it were applied together.
        largest_transaction = await session.scalar(
            select(func.count())
            .select_from(inbox)
            .group_by(inbox.c.received_at)
            .order_by(func.count().desc())
            .limit(1)
        )
        inbox_rows = await session.scalar(select(func.count()).select_from(inbox))
    assert applied == [n for n in range(300) if n != 150]
    assert inbox_rows == 299
    assert [dict(r.headers)["dlq_reason"].decode() for r in dead] == ["handler-error"]
    assert json.loads(dead[0].value)["n"] == 150
    assert largest_transaction is not None and largest_transaction > 1


async def test_a_batch_handler_applies_runs_of_one_type_and_the_single_handler_takes_over(
    database: Database, embedded_broker
) -> None:
    """Consecutive events of a type with a batch handler are applied in one call; when that
    batch fails, the runner applies the events one per transaction with the single handler."""
    service = _service_name()
    topic = f"leadership.{service}"
    group = f"g{uuid.uuid4().hex[:8]}"
    settings = _settings(
        "talent", database.url, embedded_broker.bootstrap_servers, consumer_group=group
    )
    batch_sizes: list[int] = []

    async def apply_one(session: AsyncSession, envelope, event: SampleHappened) -> None:
        if event.n == 77:
            raise RuntimeError("unlucky")
        await session.execute(
            effects.insert().values(event_id=envelope.id, person_id=event.person_id, n=event.n)
        )

    async def apply_many(session: AsyncSession, items) -> None:
        batch_sizes.append(len(items))
        if any(event.n == 77 for _, event in items):
            raise RuntimeError("unlucky batch")
        await session.execute(
            effects.insert(),
            [{"event_id": e.id, "person_id": ev.person_id, "n": ev.n} for e, ev in items],
        )

    await embedded_broker.create_topics_async([topic])
    producer = AIOKafkaProducer(bootstrap_servers=embedded_broker.bootstrap_servers)
    await producer.start()
    try:
        for n in range(200):
            event = SampleHappened(sample_id=uuid.uuid4(), person_id="P8", n=n)
            hdrs = encode_headers(
                event_id=str(uuid.uuid4()),
                source="/leadership/test",
                event_type=SampleHappened.event_type(),
                time=__import__("datetime").datetime.now(),
                subject="samples/x",
            )
            await producer.send(topic, value=encode_value(event.to_data()), key=b"P8", headers=hdrs)
        await producer.flush()
    finally:
        await producer.stop()
    consumer = EventConsumer(
        db=database,
        settings=settings,
        group_id=group,
        topics=[topic],
        subscriptions={
            SampleHappened.event_type(): Subscription(SampleHappened, apply_one, apply_many)
        },
    )
    stop, tasks = await _run(consumer)
    try:

        async def applied() -> list[int]:
            async with database.session() as session:
                return sorted((await session.scalars(select(effects.c.n))).all())

        expected = [n for n in range(200) if n != 77]
        await eventually(lambda: _equals(applied(), expected), timeout=60)
        dead = await _read_topic(embedded_broker.bootstrap_servers, f"leadership.dlq.{group}", 1)
    finally:
        await _stop(stop, tasks)
    assert [json.loads(r.value)["n"] for r in dead] == [77]
    assert max(batch_sizes) > 1
