"""The outbox is the durable log: when the broker loses data, the relay refills it.

Uses a broker of its own, because it restarts it (the embedded broker keeps nothing across a
restart, exactly the loss being tested)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import func, select

from devstack.broker import EmbeddedBroker
from devstack.testing import eventually
from shared.db import Database
from shared.events.outbox import republish_since
from shared.events.relay import OutboxRelay
from shared.settings import ServiceSettings
from shared.tables import PLATFORM_METADATA, outbox
from shared.uow import UnitOfWork

from .test_events_pipeline import SampleHappened


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    broker = EmbeddedBroker(log_path=tmp_path / "broker.log")
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
async def database(pg_database_url: str) -> AsyncIterator[Database]:
    db = Database(pg_database_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(PLATFORM_METADATA.create_all)
    yield db
    await db.dispose()


async def _emit(db: Database, service: str, numbers: range) -> None:
    async with UnitOfWork(db, service_name=service) as uow:
        for n in numbers:
            await uow.publish(SampleHappened(sample_id=uuid.uuid4(), person_id=f"P{n % 7}", n=n))
        await uow.commit()


async def _numbers_on_topic(bootstrap: str, topic: str, expected: int) -> list[int]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    seen: list[int] = []
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while len(seen) < expected and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                seen.extend(json.loads(r.value)["n"] for r in records)
    finally:
        await consumer.stop()
    return seen


async def _all_published(db: Database) -> bool:
    async with db.session() as session:
        pending = await session.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        )
    return pending == 0


async def test_relay_refills_a_broker_that_restarted_empty(
    database: Database, private_broker: EmbeddedBroker
) -> None:
    service = "t" + uuid.uuid4().hex[:10]
    settings = ServiceSettings(
        service_name=service,
        environment="test",
        database_url=database.url,
        kafka_bootstrap_servers=private_broker.bootstrap_servers,
        kafka_enable_idempotence=False,
        outbox_poll_interval_seconds=0.2,
    )
    relay = OutboxRelay(db=database, settings=settings)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        await _emit(database, service, range(0, 100))
        await eventually(lambda: _all_published(database), timeout=20)

        private_broker.kill()  # everything the broker held is gone
        private_broker.start()
        await _emit(database, service, range(100, 150))
        await eventually(lambda: _all_published(database), timeout=60)
        seen = await _numbers_on_topic(private_broker.bootstrap_servers, settings.topic, 150)
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)

    # Every event is on the new broker (a few may be there twice: consumers dedupe by ce_id).
    assert set(seen) == set(range(150))


async def test_republish_since_marks_rows_for_another_send(database: Database) -> None:
    await _emit(database, "x", range(5))
    async with database.session() as session, session.begin():
        await session.execute(
            outbox.update().values(published_at=func.now(), partition=0, offset=1)
        )
    async with database.session() as session, session.begin():
        since = await session.scalar(select(func.min(outbox.c.created_at)))
        assert await republish_since(session, since=since, service_name="x") == 5
    assert not await _all_published(database)
