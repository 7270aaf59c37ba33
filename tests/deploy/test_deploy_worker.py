"""The production ``worker`` role, run as the container runs it: ``python -m standards worker``
as its own process against the embedded PostgreSQL and broker.

It must relay the service's outbox to its topic, apply the events it consumes, answer the
health routes on its port without serving the API, and stop cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import select, text

from devstack.broker import EmbeddedBroker
from devstack.paths import find_repo_root
from devstack.ports import free_port
from devstack.testing import eventually, migrate
from shared.db import Database
from shared.events.cloudevents import encode_headers, encode_value
from shared.events.topics import service_topic
from shared.tables import inbox, outbox
from shared.uow import UnitOfWork
from standards.main import create_app
from standards.people.events import PersonChanged
from standards.providers.domain import AccreditationStatus
from standards.providers.events import ProviderAccreditationChanged
from standards.settings import Settings

# Bounds for a hung process, not performance figures: start-up includes importing the app.
READY_WITHIN_SECONDS = 90.0
STOP_WITHIN_SECONDS = 40.0


class Worker:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.log = log

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def standards_worker(
    pg_database_url: str, embedded_broker: EmbeddedBroker, tmp_path: Path
) -> Iterator[tuple[Worker, str, str]]:
    migrate("standards", pg_database_url)
    group = f"standards-worker-{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": pg_database_url,
        "KAFKA_BOOTSTRAP_SERVERS": embedded_broker.bootstrap_servers,
        "KAFKA_ENABLE_IDEMPOTENCE": "false",  # the embedded broker cannot do it
        "ENVIRONMENT": "test",
        # A group of its own: other tests' groups on the shared broker stay untouched.
        "CONSUMER_GROUP": group,
        "LOG_JSON": "false",
        "OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
        "KAFKA_SESSION_TIMEOUT_MS": "2000",
        "KAFKA_HEARTBEAT_INTERVAL_MS": "300",
        # Set to false on purpose: the worker role must run its loops whatever the API says.
        "RUN_WORKERS": "false",
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "standards",
                "worker",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=find_repo_root(),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = Worker(process, port, log)
    try:
        yield worker, pg_database_url, group
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


async def _get(url: str) -> httpx.Response | None:
    async with httpx.AsyncClient(timeout=5.0) as client:
        try:
            return await client.get(url)
        except httpx.TransportError:
            return None


async def _wait_ready(worker: Worker) -> None:
    async def ready() -> bool:
        if worker.process.poll() is not None:
            raise AssertionError(f"the worker exited early:\n{worker.log_text()[-4000:]}")
        response = await _get(f"{worker.url}/readyz")
        return response is not None and response.status_code == 200

    await eventually(ready, timeout=READY_WITHIN_SECONDS, interval=0.5)


async def _record_at(bootstrap: str, topic: str, partition: int, offset: int) -> dict[str, bytes]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, partition)
        consumer.assign([tp])
        consumer.seek(tp, offset)
        record = await asyncio.wait_for(consumer.getone(), 15)
        return {name: value for name, value in record.headers}
    finally:
        await consumer.stop()


async def test_worker_relays_consumes_and_stops_on_sigterm(
    standards_worker: tuple[Worker, str, str], embedded_broker: EmbeddedBroker
) -> None:
    worker, database_url, group = standards_worker
    bootstrap = embedded_broker.bootstrap_servers
    await _wait_ready(worker)

    health = await _get(f"{worker.url}/healthz")
    assert health is not None and health.status_code == 200
    # The worker serves no API: a route the API app has is an unknown path there.
    paths = create_app(Settings(database_url=database_url)).openapi()["paths"]
    api_path = next(p for p, ops in paths.items() if p.startswith("/v1/") and "get" in ops)
    api_route = await _get(f"{worker.url}{api_path}")
    assert api_route is not None and api_route.status_code == 404
    assert api_route.headers["content-type"].startswith("application/problem+json")

    async def working() -> bool:
        response = await _get(f"{worker.url}/workers")
        body = response.json() if response is not None and response.status_code == 200 else None
        # The only replica takes the relay lock; its one consumer joins the group and polls.
        return body == {"relay": "active", "consumers": {group: "polling"}}

    await eventually(working, timeout=60, interval=0.2)

    db = Database(database_url)
    try:
        # Outbox → relay → topic: an event written the way the API writes it.
        async with UnitOfWork(db, service_name="standards") as uow:
            event_id = await uow.publish(
                ProviderAccreditationChanged(
                    provider_id=uuid.uuid4(),
                    programme_code="WORKER-TEST",
                    status=AccreditationStatus.ACCREDITED,
                    valid_from=date(2025, 4, 1),
                    valid_to=None,
                    accreditation_id=uuid.uuid4(),
                    changed_at=datetime.now(UTC),
                )
            )
            await uow.commit()

        async def acknowledged() -> tuple[int, int] | None:
            async with db.session() as session:
                row = (
                    await session.execute(
                        select(outbox.c.partition, outbox.c.offset).where(
                            outbox.c.id == event_id, outbox.c.published_at.is_not(None)
                        )
                    )
                ).first()
            return (row.partition, row.offset) if row is not None else None

        partition, offset = await eventually(acknowledged, timeout=30)
        headers = await _record_at(bootstrap, service_topic("standards"), partition, offset)
        assert headers["ce_id"].decode() == str(event_id)
        assert headers["ce_type"].decode() == ProviderAccreditationChanged.event_type()

        # Topic → consumer → inbox and projection: a person.changed as talent publishes it.
        person_id = f"W{uuid.uuid4().hex[:10]}"
        person_event_id = str(uuid.uuid4())
        person = PersonChanged(person_id=person_id, org_code="RR8", status="active")
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(
                service_topic("talent"),
                key=person_id.encode(),
                value=encode_value(person.to_data()),
                headers=encode_headers(
                    event_id=person_event_id,
                    source="/leadership/talent",
                    event_type=PersonChanged.event_type(),
                    time=datetime.now(UTC),
                    subject=person.subject(),
                ),
            )
        finally:
            await producer.stop()

        async def applied() -> str | None:
            async with db.session() as session:
                seen = await session.scalar(
                    select(inbox.c.consumer).where(inbox.c.event_id == person_event_id)
                )
                org = await session.scalar(
                    text("SELECT org_code FROM people WHERE person_id = :p"), {"p": person_id}
                )
            return org if seen == group else None

        assert await eventually(applied, timeout=60) == "RR8"
    finally:
        await db.dispose()

    # SIGTERM, as Kubernetes and docker stop send it: an orderly stop and a zero exit status.
    worker.process.send_signal(signal.SIGTERM)
    code = await asyncio.to_thread(worker.process.wait, STOP_WITHIN_SECONDS)
    log = worker.log_text()
    # uvicorn re-raises the signal it caught once it has shut down, so the parent sees
    # "terminated by SIGTERM" (143 in a container); a crash or a hang would be anything else.
    assert code in (0, -signal.SIGTERM), log[-4000:]
    assert "service stopped" in log  # the lifespan stopped the relay and consumers in order
    assert "Traceback" not in log, log[-4000:]
