"""Topic names and idempotent topic creation."""

from __future__ import annotations

import contextlib
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

log = logging.getLogger(__name__)


def service_topic(service_name: str) -> str:
    return f"leadership.{service_name}"


def dead_letter_topic(consumer_group: str) -> str:
    return f"leadership.dlq.{consumer_group}"


async def ensure_topics(bootstrap_servers: str, names: list[str], *, partitions: int = 3) -> None:
    """Create the topics that do not exist yet (a fresh embedded broker has none)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in names if n not in existing]
        if not missing:
            return
        # A twin process may create a topic between our list and our create.
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(
                [NewTopic(name=n, num_partitions=partitions, replication_factor=1) for n in missing]
            )
        log.info("created topics", extra={"topics": missing})
    finally:
        await admin.close()
