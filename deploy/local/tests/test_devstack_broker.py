"""EmbeddedBroker: the Tansu broker as a child process, with aiokafka as the client."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from devstack.broker import EmbeddedBroker, kafka_api_versions_ok


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    base = tmp_path_factory.mktemp("devstack-broker")
    server = EmbeddedBroker(log_path=base / "broker.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _topics(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def _produce_one(bootstrap: str, topic: str, value: bytes) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=False, request_timeout_ms=5000
    )
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=b"k")
    finally:
        await producer.stop()


async def _consume_one(bootstrap: str, topic: str) -> bytes | None:
    # Partitions assigned by hand: a consumer group's join waits out the broker's initial
    # rebalance delay (seconds), which tests nothing here.
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        await consumer.topics()  # fetches the cluster metadata partitions_for_topic reads
        partitions = consumer.partitions_for_topic(topic) or set()
        assert partitions == {0, 1, 2}
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
        await consumer.seek_to_beginning()
        message = await asyncio.wait_for(consumer.getone(), timeout=30)
        value: bytes | None = message.value
        return value
    finally:
        await consumer.stop()


async def test_consume_in_a_group(broker: EmbeddedBroker) -> None:
    """The way the services consume: subscribe with a group id, offsets from the start."""
    await broker.create_topics_async(["devstack.group"], partitions=3)
    await _produce_one(broker.bootstrap_servers, "devstack.group", b"grouped")
    consumer = AIOKafkaConsumer(
        "devstack.group",
        bootstrap_servers=broker.bootstrap_servers,
        group_id=f"devstack-test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        message = await asyncio.wait_for(consumer.getone(), timeout=30)
        assert message.value == b"grouped"
    finally:
        await consumer.stop()


async def test_create_topics_is_idempotent(broker: EmbeddedBroker) -> None:
    assert broker.create_topics(["devstack.a", "devstack.b"]) == ["devstack.a", "devstack.b"]
    assert broker.create_topics(["devstack.a", "devstack.c"]) == ["devstack.c"]
    assert {"devstack.a", "devstack.b", "devstack.c"} <= await _topics(broker.bootstrap_servers)


async def test_produce_and_consume(broker: EmbeddedBroker) -> None:
    await broker.create_topics_async(["devstack.roundtrip"], partitions=3)
    await _produce_one(broker.bootstrap_servers, "devstack.roundtrip", b"hello")
    assert await _consume_one(broker.bootstrap_servers, "devstack.roundtrip") == b"hello"


async def test_pause_and_resume(broker: EmbeddedBroker) -> None:
    broker.pause()
    try:
        assert broker.paused
        assert not kafka_api_versions_ok(broker.host, broker.port, timeout=0.5)
    finally:
        broker.resume()
    assert not broker.paused
    assert kafka_api_versions_ok(broker.host, broker.port)
    await _produce_one(broker.bootstrap_servers, "devstack.a", b"after pause")


async def test_restart_forgets_topics_unless_asked(broker: EmbeddedBroker) -> None:
    port, pid = broker.port, broker.pid
    broker.restart()
    assert broker.port == port and broker.pid != pid
    assert "devstack.a" not in await _topics(broker.bootstrap_servers)
    broker.restart(recreate_topics=True)
    assert {"devstack.a", "devstack.roundtrip"} <= await _topics(broker.bootstrap_servers)


async def test_kill_and_start(broker: EmbeddedBroker) -> None:
    broker.kill()
    assert broker.pid is None
    assert not kafka_api_versions_ok(broker.host, broker.port, timeout=0.5)
    broker.start()
    assert kafka_api_versions_ok(broker.host, broker.port)
