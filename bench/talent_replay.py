"""Talent's profile consumer replaying a synthetic history, beside raw consume + batched INSERT.

The events are what standards and appraisal would have published for a synthetic workforce
(``bench.data.generator``): for each person three ``training.accredited`` and one
``appraisal.completed``, produced onto ``leadership.standards`` and ``leadership.appraisal``
before the clock starts. The talent service's own consumer (``talent.main.build_consumers``: the
real subscriptions, handlers, projections and any readiness recompute they do) then reads them
into a freshly migrated talent database, as a replay would.

* measured: events per second between the first and the last inbox commit (one PostgreSQL
  clock), and the wall time including the consumer-group join.
* baseline, same run, same broker and PostgreSQL: a bare aiokafka consumer reading the same
  messages and inserting each fetched batch into a bare table (person_id, type, payload jsonb)
  with one multi-row INSERT per batch and one commit per batch. That is the least any consumer
  that keeps what it reads can do; the gap to it is the price of decoding, validation, the
  inbox and the projection itself.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from bench.common import (
    Result,
    SummaryRow,
    asyncpg_dsn,
    embedded_servers,
    fmt_rate,
    postgres_version,
    rate,
    say,
)

GOAL_EVENTS_PER_SECOND = 5_000
EVENTS_PER_PERSON = 4
PROGRAMMES = ("NHS-INDUCTION", "NHS-EDI-MODULE", "NLA-MARY-SEACOLE", "NHS-APPRAISAL-SKILLS")
OUTCOMES = ("exceeds", "meets", "meets", "partially_meets")
STANDARDS_TOPIC = "leadership.standards"
APPRAISAL_TOPIC = "leadership.appraisal"


def _events(events: int, seed: int) -> list[tuple[str, str, bytes, list[tuple[str, bytes]]]]:
    """(topic, key, value, headers) of every message, person by person."""
    from bench.data.generator import people
    from shared.events.cloudevents import encode_headers, encode_value

    messages: list[tuple[str, str, bytes, list[tuple[str, bytes]]]] = []
    start = datetime(2025, 4, 1, tzinfo=UTC)
    for index, person in enumerate(people(max(events // EVENTS_PER_PERSON, 1), seed=seed)):
        person_id, org_code = person["person_id"], person["org_code"]
        moment = start + timedelta(minutes=index)
        for n, programme in enumerate(PROGRAMMES[:3]):
            credential_id = str(uuid.uuid4())
            data = {
                "record_id": str(uuid.uuid4()),
                "credential_id": credential_id,
                "person_id": person_id,
                "org_code": org_code,
                "programme_code": programme if n < 2 else PROGRAMMES[2 + index % 2],
                "standards": ["LCF-2024-D1", "CSTF-EDHR"],
                "levels": ["middle"],
                "awarded_at": (moment + timedelta(days=n)).isoformat(),
                "expires_at": None,
                "completed_at": (moment + timedelta(days=n)).isoformat(),
                "provider_id": str(uuid.uuid4()),
            }
            headers = encode_headers(
                event_id=str(uuid.uuid4()),
                source="/leadership/standards",
                event_type="leadership.training.accredited.v1",
                time=moment,
                subject=f"credentials/{credential_id}",
            )
            messages.append((STANDARDS_TOPIC, person_id, encode_value(data), headers))
        appraisal_id = str(uuid.uuid4())
        data = {
            "appraisal_id": appraisal_id,
            "person_id": person_id,
            "org_code": org_code,
            "cycle_year": 2025,
            "template_version": "2025.1",
            "performance_outcome": OUTCOMES[index % len(OUTCOMES)],
            "behaviour_outcome": OUTCOMES[(index + 1) % len(OUTCOMES)],
            "aspirations": {
                "direction": "stretch",
                "target_level": "senior",
                "timeframe": "1_2_years",
                "mobility": "regional",
                "challenged_organisation_interest": index % 3 == 0,
            },
            "development_programme_codes": ["NLA-RFL"],
            "appraiser_id": f"A{index:07d}",
            "completed_at": (moment + timedelta(days=30)).isoformat(),
        }
        headers = encode_headers(
            event_id=str(uuid.uuid4()),
            source="/leadership/appraisal",
            event_type="leadership.appraisal.completed.v1",
            time=moment,
            subject=f"appraisals/{appraisal_id}",
        )
        messages.append((APPRAISAL_TOPIC, person_id, encode_value(data), headers))
    return messages[:events] if len(messages) > events else messages


async def _produce(bootstrap: str, messages: list[tuple[str, str, bytes, Any]]) -> float:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks=1, linger_ms=20, max_batch_size=512 * 1024
    )
    await producer.start()
    started = time.perf_counter()
    try:
        pending = []
        for topic, key, value, headers in messages:
            pending.append(
                await producer.send(topic, value=value, key=key.encode(), headers=headers)
            )
            if len(pending) >= 5_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.perf_counter() - started


async def _talent_replay(pg: Any, bootstrap: str, expected: int) -> dict[str, Any]:
    from shared.db import Database
    from shared.migrations import upgrade_to_head
    from talent.main import build_consumers
    from talent.settings import Settings

    pg.create_database("bench_talent")
    url = pg.url("bench_talent")
    from devstack.paths import find_repo_root

    await asyncio.to_thread(
        upgrade_to_head,
        service_name="talent",
        migrations_dir=find_repo_root() / "services" / "talent" / "migrations",
        database_url=url,
    )
    settings = Settings(
        environment="test",
        database_url=url,
        kafka_bootstrap_servers=bootstrap,
        kafka_enable_idempotence=False,
        run_workers=False,
        log_json=False,
        kafka_session_timeout_ms=6_000,
        kafka_heartbeat_interval_ms=1_000,
        consumer_group=f"bench-talent-{uuid.uuid4().hex[:6]}",
    )
    db = Database(url)
    consumers = build_consumers(db, settings)
    stop = asyncio.Event()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        started = time.perf_counter()
        tasks = [asyncio.create_task(c.run(stop)) for c in consumers]
        deadline = started + 3_600
        applied = 0
        while applied < expected and time.perf_counter() < deadline:
            await asyncio.sleep(0.5)
            applied = await conn.fetchval("SELECT count(*) FROM inbox")
        elapsed = time.perf_counter() - started
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
        first, last = await conn.fetchrow("SELECT min(received_at), max(received_at) FROM inbox")
        profiles = await conn.fetchval("SELECT count(*) FROM talent_profiles")
    finally:
        stop.set()
        await conn.close()
        await db.dispose()
    steady = (last - first).total_seconds() if first and last else 0.0
    return {
        "events_applied": applied,
        "profiles": profiles,
        "seconds_including_group_join": round(elapsed, 3),
        "events_per_second_including_group_join": round(rate(applied, elapsed), 1),
        "seconds_first_to_last_inbox_commit": round(steady, 3),
        "events_per_second": round(rate(applied - 1, steady), 1),
        "batch_size": settings.consumer_batch_size,
    }


async def _raw_consume_and_insert(pg: Any, bootstrap: str, expected: int) -> dict[str, Any]:
    pg.create_database("bench_talent_raw")
    conn = await asyncpg.connect(asyncpg_dsn(pg.url("bench_talent_raw")))
    await conn.execute(
        "CREATE TABLE raw_events (person_id text NOT NULL, type text NOT NULL, "
        "payload jsonb NOT NULL)"
    )
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        await consumer.topics()
        partitions = [
            TopicPartition(topic, p)
            for topic in (STANDARDS_TOPIC, APPRAISAL_TOPIC)
            for p in consumer.partitions_for_topic(topic) or []
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        seen = 0
        started = time.perf_counter()
        deadline = started + 3_600
        while seen < expected and time.perf_counter() < deadline:
            batch = await consumer.getmany(timeout_ms=200, max_records=500)
            rows = [
                (
                    record.key.decode(),
                    dict(record.headers)["ce_type"].decode(),
                    record.value.decode(),
                )
                for records in batch.values()
                for record in records
            ]
            if rows:
                async with conn.transaction():
                    await conn.execute(
                        "INSERT INTO raw_events (person_id, type, payload) "
                        "SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])",
                        [r[0] for r in rows],
                        [r[1] for r in rows],
                        [r[2] for r in rows],
                    )
                seen += len(rows)
        elapsed = time.perf_counter() - started
    finally:
        await consumer.stop()
        await conn.close()
    return {
        "events": seen,
        "seconds": round(elapsed, 3),
        "events_per_second": round(rate(seen, elapsed), 1),
    }


async def _run_all(pg: Any, broker: Any, events: int, seed: int) -> dict[str, Any]:
    await broker.create_topics_async(
        [STANDARDS_TOPIC, APPRAISAL_TOPIC, "leadership.talent", "leadership.ned"], partitions=3
    )
    say(f"talent replay: generating {events:,} events")
    messages = _events(events, seed)
    say(f"talent replay: producing {len(messages):,} events")
    produce_seconds = await _produce(broker.bootstrap_servers, messages)
    count = len(messages)
    del messages
    say(f"talent replay: consuming (produced in {produce_seconds:.0f} s)")
    replay = await _talent_replay(pg, broker.bootstrap_servers, count)
    say(f"talent replay: {replay['events_per_second']:,.0f} events/s")
    raw = await _raw_consume_and_insert(pg, broker.bootstrap_servers, count)
    say(f"raw consume + batched INSERT: {raw['events_per_second']:,.0f} events/s")
    return {
        "events": count,
        "produce_seconds": round(produce_seconds, 1),
        "talent_consumer": replay,
        "raw_consume_batched_insert": raw,
    }


def run(*, events: int = 1_000_000, seed: int = 1) -> Result:
    result = Result(
        name="talent_replay",
        title="Talent profile consumer replaying a synthetic history",
        parameters={"events": events, "seed": seed, "partitions": 3},
    )
    with embedded_servers() as (pg, broker):
        result.details["postgres_version"] = postgres_version(pg)
        measured = asyncio.run(_run_all(pg, broker, events, seed))
    result.details.update(measured)
    talent_rate = measured["talent_consumer"]["events_per_second"]
    raw_rate = measured["raw_consume_batched_insert"]["events_per_second"]
    applied = measured["talent_consumer"]["events_applied"]
    result.summary = [
        SummaryRow(
            metric=f"Talent consumer replaying {measured['events']:,} events (events/s)",
            measured=fmt_rate(talent_rate),
            goal=f"≥ {GOAL_EVENTS_PER_SECOND:,}/s",
            baseline=f"raw consume + batched INSERT {fmt_rate(raw_rate)}",
            met=talent_rate >= GOAL_EVENTS_PER_SECOND and applied == measured["events"],
            note=(
                f"{fmt_rate(measured['talent_consumer']['events_per_second_including_group_join'])}"
                f" including the group join; {applied:,} of {measured['events']:,} applied"
            ),
        )
    ]
    return result
