"""Relay and consumer throughput (events/s), each beside the raw client doing the same I/O.

* relay: N rows are committed to an outbox in one transaction while an idle, warmed-up
  ``OutboxRelay`` waits; the clock runs from that commit until the last row is marked
  published. Baselines: raw aiokafka produce (acks=all) of the same N messages, and a raw
  batched INSERT of the same N rows.
* consumer: N CloudEvents are produced first; an ``EventConsumer`` with a handler that does
  nothing (so only the inbox transaction, the decode and the validation are timed) reads them.
  The steady rate is taken between the first and the last inbox commit (``inbox.received_at``,
  one PostgreSQL clock), and the time including the group join is shown beside it. Baselines:
  raw aiokafka consume of the same messages, and one raw INSERT+COMMIT per event, which is the
  floor of the inbox design (one transaction per event).
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import json
import pstats
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy.ext.asyncio import AsyncSession

from bench.common import (
    Result,
    SummaryRow,
    embedded_servers,
    fmt_rate,
    postgres_version,
    rate,
    say,
)

GOAL_EVENTS_PER_SECOND = 5_000
PEOPLE = 5_000


def _payload(n: int) -> dict[str, Any]:
    """A training.accredited-sized payload (about 400 bytes of JSON)."""
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=n)
    return {
        "record_id": str(uuid.uuid4()),
        "credential_id": str(uuid.uuid4()),
        "person_id": f"{10_000_000 + n % PEOPLE}",
        "org_code": "RR8",
        "programme_code": "NLA-MARY-SEACOLE",
        "standards": ["LMS-1", "LMS-2", "LMS-3"],
        "levels": ["middle"],
        "awarded_at": moment.isoformat(),
        "expires_at": None,
        "completed_at": moment.isoformat(),
        "provider_id": str(uuid.uuid4()),
        "n": n,
    }


def _settings(service: str, url: str, bootstrap: str) -> Any:
    from shared.settings import ServiceSettings

    return ServiceSettings(
        service_name=service,
        environment="test",
        database_url=url,
        kafka_bootstrap_servers=bootstrap,
        kafka_enable_idempotence=False,
        run_workers=False,
        log_json=False,
        outbox_poll_interval_seconds=1.0,
        kafka_session_timeout_ms=2_000,
        kafka_heartbeat_interval_ms=300,
        consumer_group=f"bench-{uuid.uuid4().hex[:8]}",
    )


async def _create_platform_tables(url: str) -> None:
    from shared.db import Database
    from shared.tables import PLATFORM_METADATA

    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(PLATFORM_METADATA.create_all)
    finally:
        await db.dispose()


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


_OUTBOX_INSERT = (
    "INSERT INTO outbox (id, topic, key, type, subject, time, payload) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)"
)


def _outbox_records(count: int, topic: str) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    records = []
    for n in range(count):
        payload = _payload(n)
        records.append(
            (
                uuid.uuid4(),
                topic,
                payload["person_id"],
                "leadership.bench.happened.v1",
                f"credentials/{payload['credential_id']}",
                now,
                json.dumps(payload),
            )
        )
    return records


# -- relay ------------------------------------------------------------------------------------


async def _relay_run(url: str, bootstrap: str, count: int, *, profile: bool) -> dict[str, Any]:
    from shared.db import Database
    from shared.events.outbox import notify_channel
    from shared.events.relay import OutboxRelay

    service = f"benchrelay{uuid.uuid4().hex[:6]}"
    settings = _settings(service, url, bootstrap)
    db = Database(url)
    relay = OutboxRelay(db=db, settings=settings)
    stop = asyncio.Event()
    conn = await asyncpg.connect(_dsn(url))
    profiler = cProfile.Profile() if profile else None
    try:
        task = asyncio.create_task(relay.run(stop))
        # Warm up: one row through, so the producer is connected and the topic exists.
        await conn.execute(_OUTBOX_INSERT, *_outbox_records(1, settings.topic)[0])
        await conn.execute("SELECT pg_notify($1, '')", notify_channel(service))
        await _wait_for(conn, "SELECT count(*) FROM outbox WHERE published_at IS NULL", 0, 60)
        records = _outbox_records(count, settings.topic)
        async with conn.transaction():
            await conn.executemany(_OUTBOX_INSERT, records)
            await conn.execute("SELECT pg_notify($1, '')", notify_channel(service))
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        await _wait_for(
            conn, "SELECT count(*) FROM outbox WHERE published_at IS NULL", 0, 600, interval=0.02
        )
        elapsed = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
        stop.set()
        await asyncio.wait_for(task, 30)
        batches = await conn.fetchval(
            "SELECT count(DISTINCT published_at) FROM outbox WHERE published_at IS NOT NULL"
        )
    finally:
        stop.set()
        await conn.close()
        await db.dispose()
    result: dict[str, Any] = {
        "events": count,
        "seconds": round(elapsed, 3),
        "events_per_second": round(rate(count, elapsed), 1),
        "publish_transactions": batches,
    }
    if profiler is not None:
        result["profile_top"] = _profile_lines(profiler)
    return result


async def _raw_produce(
    bootstrap: str, topic: str, count: int, *, warm_up: bool = True
) -> dict[str, Any]:
    from shared.events.cloudevents import encode_headers, encode_value

    messages = []
    now = datetime.now(UTC)
    for n in range(count):
        payload = _payload(n)
        headers = encode_headers(
            event_id=uuid.uuid4(),
            source="/leadership/bench",
            event_type="leadership.bench.happened.v1",
            time=now,
            subject=f"credentials/{payload['credential_id']}",
        )
        messages.append((payload["person_id"].encode(), encode_value(payload), headers))
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=False,
        linger_ms=2,
        max_batch_size=256 * 1024,
    )
    await producer.start()
    try:
        if warm_up:
            await producer.send_and_wait(topic, b"warm-up")
        started = time.perf_counter()
        # The same shape as the relay: 500 sends, then wait for their acknowledgements.
        for first in range(0, count, 500):
            futures = [
                await producer.send(topic, value=value, key=key, headers=headers)
                for key, value, headers in messages[first : first + 500]
            ]
            await asyncio.gather(*futures)
        elapsed = time.perf_counter() - started
    finally:
        await producer.stop()
    return {
        "events": count,
        "seconds": round(elapsed, 3),
        "events_per_second": round(rate(count, elapsed), 1),
    }


async def _raw_batched_insert(url: str, count: int) -> dict[str, Any]:
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute(
            "CREATE TABLE raw_outbox (LIKE outbox INCLUDING DEFAULTS INCLUDING IDENTITY "
            "INCLUDING INDEXES)"
        )
        records = _outbox_records(count, "leadership.raw")
        insert = _OUTBOX_INSERT.replace("INSERT INTO outbox", "INSERT INTO raw_outbox")
        started = time.perf_counter()
        for first in range(0, count, 500):
            async with conn.transaction():
                await conn.executemany(insert, records[first : first + 500])
        elapsed = time.perf_counter() - started
    finally:
        await conn.close()
    return {
        "events": count,
        "seconds": round(elapsed, 3),
        "events_per_second": round(rate(count, elapsed), 1),
        "rows_per_transaction": 500,
    }


# -- consumer ---------------------------------------------------------------------------------


def _bench_event_model() -> Any:
    from shared.events.model import Event

    class BenchHappened(Event):
        event_name: ClassVar[str] = "bench.happened"
        key_field: ClassVar[str] = "person_id"
        subject_template: ClassVar[str] = "credentials/{credential_id}"

        record_id: uuid.UUID
        credential_id: uuid.UUID
        person_id: str
        org_code: str
        programme_code: str
        standards: list[str]
        levels: list[str]
        awarded_at: datetime
        expires_at: datetime | None
        completed_at: datetime
        provider_id: uuid.UUID

    return BenchHappened


async def _fill_topic(bootstrap: str, topic: str, count: int) -> None:
    # No warm-up message here: the consumer would dead-letter it.
    await _raw_produce(bootstrap, topic, count, warm_up=False)


async def _consumer_run(
    url: str, bootstrap: str, topic: str, count: int, *, profile: bool
) -> dict[str, Any]:
    from shared.db import Database
    from shared.events.consumer import EventConsumer, Subscription

    model = _bench_event_model()

    async def handler(session: AsyncSession, envelope: Any, event: Any) -> None:
        return None

    settings = _settings("benchconsumer", url, bootstrap)
    db = Database(url)
    group = f"bench-{uuid.uuid4().hex[:8]}"
    consumer = EventConsumer(
        db=db,
        settings=settings,
        group_id=group,
        topics=[topic],
        subscriptions={model.event_type(): Subscription(model, handler)},
    )
    stop = asyncio.Event()
    conn = await asyncpg.connect(_dsn(url))
    profiler = cProfile.Profile() if profile else None
    try:
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        task = asyncio.create_task(consumer.run(stop))
        await _wait_for(
            conn, "SELECT count(*) FROM inbox WHERE consumer = $1", count, 900, group, interval=0.05
        )
        elapsed = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
        stop.set()
        await asyncio.wait_for(task, 30)
        first, last = await conn.fetchrow(
            "SELECT min(received_at), max(received_at) FROM inbox WHERE consumer = $1", group
        )
    finally:
        stop.set()
        await conn.close()
        await db.dispose()
    steady = (last - first).total_seconds()
    result: dict[str, Any] = {
        "events": count,
        "seconds_including_group_join": round(elapsed, 3),
        "events_per_second_including_group_join": round(rate(count, elapsed), 1),
        "seconds_first_to_last_inbox_commit": round(steady, 3),
        "events_per_second": round(rate(count - 1, steady), 1),
    }
    if profiler is not None:
        result["profile_top"] = _profile_lines(profiler)
    return result


async def _raw_consume(bootstrap: str, topic: str, count: int) -> dict[str, Any]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        await consumer.topics()  # loads the metadata that partitions_for_topic reads
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        seen = 0
        started = time.perf_counter()
        deadline = started + 300
        while seen < count and time.perf_counter() < deadline:
            batch = await consumer.getmany(timeout_ms=200, max_records=500)
            seen += sum(len(records) for records in batch.values())
        elapsed = time.perf_counter() - started
    finally:
        await consumer.stop()
    return {
        "events": seen,
        "seconds": round(elapsed, 3),
        "events_per_second": round(rate(seen, elapsed), 1),
    }


async def _raw_transaction_per_event(url: str, count: int) -> dict[str, Any]:
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute(
            "CREATE TABLE raw_inbox (consumer text, source text, event_id text, type text, "
            "received_at timestamptz NOT NULL DEFAULT now(), "
            "PRIMARY KEY (consumer, source, event_id))"
        )
        statement = await conn.prepare(
            "INSERT INTO raw_inbox (consumer, source, event_id, type) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT DO NOTHING RETURNING event_id"
        )
        ids = [str(uuid.uuid4()) for _ in range(count)]
        started = time.perf_counter()
        for event_id in ids:
            async with conn.transaction():
                await statement.fetchval("raw", "/leadership/bench", event_id, "t")
        elapsed = time.perf_counter() - started
    finally:
        await conn.close()
    return {
        "events": count,
        "seconds": round(elapsed, 3),
        "events_per_second": round(rate(count, elapsed), 1),
    }


# -- helpers ----------------------------------------------------------------------------------


async def _wait_for(
    conn: asyncpg.Connection,
    query: str,
    target: int,
    timeout: float,
    *args: Any,
    interval: float = 0.1,
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        value = await conn.fetchval(query, *args)
        if value == target:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{query!r} stayed at {value}, wanted {target}")
        await asyncio.sleep(interval)


def _profile_lines(profiler: cProfile.Profile, limit: int = 25) -> list[str]:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    lines = [line.rstrip() for line in out.getvalue().splitlines() if line.strip()]
    # Keep the table, drop pstats' preamble.
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return lines[start : start + limit + 1]


async def _run_all(
    pg: Any, broker: Any, events: int, profile_events: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    relay_db, consumer_db, raw_db = "bench_relay", "bench_consumer", "bench_raw"
    for name in (relay_db, consumer_db, raw_db):
        pg.create_database(name)
        await _create_platform_tables(pg.url(name))
    bootstrap = broker.bootstrap_servers

    say(f"relay: draining {events:,} outbox rows")
    relay = await _relay_run(pg.url(relay_db), bootstrap, events, profile=False)
    say(f"relay: {relay['events_per_second']:,.0f} events/s")
    await broker.create_topics_async(["leadership.rawproduce"], partitions=3)
    raw_produce = await _raw_produce(bootstrap, "leadership.rawproduce", events)
    say(f"raw produce: {raw_produce['events_per_second']:,.0f} events/s")
    raw_insert = await _raw_batched_insert(pg.url(raw_db), events)
    say(f"raw batched insert: {raw_insert['events_per_second']:,.0f} rows/s")

    topic = "leadership.benchsource"
    await broker.create_topics_async([topic], partitions=3)
    await _fill_topic(bootstrap, topic, events)
    say(f"consumer: consuming {events:,} events")
    consumer = await _consumer_run(pg.url(consumer_db), bootstrap, topic, events, profile=False)
    say(f"consumer: {consumer['events_per_second']:,.0f} events/s")
    raw_consume = await _raw_consume(bootstrap, topic, events)
    say(f"raw consume: {raw_consume['events_per_second']:,.0f} events/s")
    raw_txn = await _raw_transaction_per_event(pg.url(raw_db), min(events, 5_000))
    say(f"raw INSERT+COMMIT per event: {raw_txn['events_per_second']:,.0f}/s")

    profiles: dict[str, Any] = {}
    if profile_events:
        say(f"profiling relay and consumer on {profile_events:,} events (cProfile)")
        pg.create_database("bench_profile")
        await _create_platform_tables(pg.url("bench_profile"))
        profiles["relay"] = (
            await _relay_run(pg.url("bench_profile"), bootstrap, profile_events, profile=True)
        )["profile_top"]
        ptopic = "leadership.benchprofile"
        await broker.create_topics_async([ptopic], partitions=3)
        await _fill_topic(bootstrap, ptopic, profile_events)
        profiles["consumer"] = (
            await _consumer_run(
                pg.url("bench_profile"), bootstrap, ptopic, profile_events, profile=True
            )
        )["profile_top"]

    measured = {
        "relay": relay,
        "consumer": consumer,
        "raw_produce_acks_all": raw_produce,
        "raw_batched_insert": raw_insert,
        "raw_consume": raw_consume,
        "raw_insert_commit_per_event": raw_txn,
    }
    return measured, profiles


def run(*, events: int = 20_000, profile_events: int = 5_000) -> Result:
    result = Result(
        name="throughput",
        title="Relay and consumer throughput",
        parameters={"events": events, "profile_events": profile_events, "partitions": 3},
    )
    with embedded_servers() as (pg, broker):
        result.details["postgres_version"] = postgres_version(pg)
        measured, profiles = asyncio.run(_run_all(pg, broker, events, profile_events))
    result.details.update(measured)
    if profiles:
        result.details["profiles"] = profiles

    relay_rate = measured["relay"]["events_per_second"]
    consumer_rate = measured["consumer"]["events_per_second"]
    goal = f"≥ {GOAL_EVENTS_PER_SECOND:,}/s"
    raw_produce_rate = measured["raw_produce_acks_all"]["events_per_second"]
    raw_insert_rate = measured["raw_batched_insert"]["events_per_second"]
    result.summary = [
        SummaryRow(
            metric="Outbox relay drain (events/s)",
            measured=fmt_rate(relay_rate),
            goal=goal,
            baseline=(
                f"raw produce acks=all {fmt_rate(raw_produce_rate)}"
                f"; raw batched INSERT {fmt_rate(raw_insert_rate)}"
            ),
            met=relay_rate >= GOAL_EVENTS_PER_SECOND,
        ),
        SummaryRow(
            metric="Event consumer, trivial handler (events/s)",
            measured=fmt_rate(consumer_rate),
            goal=goal,
            baseline=(
                f"raw consume {fmt_rate(measured['raw_consume']['events_per_second'])}"
                f"; raw INSERT+COMMIT per event "
                f"{fmt_rate(measured['raw_insert_commit_per_event']['events_per_second'])}"
            ),
            met=consumer_rate >= GOAL_EVENTS_PER_SECOND,
            note=(
                f"{fmt_rate(measured['consumer']['events_per_second_including_group_join'])} "
                "including the consumer-group join"
            ),
        ),
    ]
    return result
