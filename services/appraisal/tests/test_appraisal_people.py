"""talent's person.changed, consumed from the real broker into the people projection."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import func, select

from appraisal.people.models import Person
from devstack.testing import auth, eventually
from shared.events.cloudevents import encode_headers
from shared.tables import inbox

TALENT_TOPIC = "leadership.talent"
PERSON_CHANGED = "leadership.person.changed.v1"


def person_changed(person_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "org_code": "rr8",
        "staff_group": "Nursing and midwifery registered",
        "band": "7",
        "job_title": "Ward manager",
        "line_manager_id": "300900",
        "is_line_manager": True,
        "start_date": "2019-09-02",
        "status": "active",
        "left_on": None,
        # A field added by talent later: a tolerant reader ignores it.
        "preferred_pronoun_code": None,
        **fields,
    }


async def send(
    producer: AIOKafkaProducer, data: dict[str, Any], *, time: datetime, event_id: str | None = None
) -> str:
    event_id = event_id or str(uuid.uuid4())
    await producer.send_and_wait(
        TALENT_TOPIC,
        key=str(data.get("person_id", "x")).encode(),
        value=json.dumps(data).encode(),
        headers=encode_headers(
            event_id=event_id,
            source="/leadership/talent",
            event_type=PERSON_CHANGED,
            time=time,
            subject=f"people/{data.get('person_id')}",
        ),
    )
    return event_id


async def person(svc: Any, person_id: str) -> Person | None:
    async with svc.db.session() as session:
        return await session.get(Person, person_id)


async def applied(svc: Any, *event_ids: str) -> bool:
    async with svc.db.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(inbox).where(inbox.c.event_id.in_(event_ids))
        )
    return count == len(event_ids)


async def dead_letters(bootstrap_servers: str, group_id: str) -> list[Any]:
    """Everything on this consumer group's dead-letter topic (it is the group's alone)."""
    topic = f"leadership.dlq.{group_id}"
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()  # loads the cluster metadata partitions_for_topic reads
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        batches = await consumer.getmany(*partitions, timeout_ms=500)
        return [record for records in batches.values() for record in records]
    finally:
        await consumer.stop()


async def test_person_changed_builds_the_projection(start_service: Any) -> None:
    async with start_service("appraisal", run_workers=True) as svc:
        producer = AIOKafkaProducer(
            bootstrap_servers=svc.settings.kafka_bootstrap_servers, enable_idempotence=False
        )
        await producer.start()
        try:
            person_id = f"P{uuid.uuid4().hex[:10]}"
            now = datetime.now(UTC)
            first = await send(producer, person_changed(person_id), time=now)

            stored = await eventually(lambda: person(svc, person_id), timeout=30)
            assert stored.org_code == "RR8"
            assert stored.band == "7"
            assert stored.is_line_manager is True
            assert stored.status == "active"
            assert stored.event_id == first

            # An older event arriving late (a replay, a retry) does not roll the state back;
            # the same event delivered twice is applied once.
            older = await send(
                producer,
                person_changed(person_id, band="5", is_line_manager=False),
                time=now - timedelta(days=1),
            )
            await send(producer, person_changed(person_id, band="6"), time=now, event_id=first)
            # A poison message goes to the dead letters and does not block the partition.
            await send(producer, {"person_id": person_id, "org_code": "!!"}, time=now)
            newer = await send(
                producer,
                person_changed(
                    person_id, band="8a", status="left", left_on="2026-10-31", org_code="RJ1"
                ),
                time=now + timedelta(minutes=5),
            )
            await eventually(lambda: applied(svc, first, older, newer), timeout=30)

            stored = await person(svc, person_id)
            assert stored is not None
            assert stored.band == "8a"
            assert stored.status == "left"
            assert stored.org_code == "RJ1"
            assert str(stored.left_on) == "2026-10-31"
            assert stored.event_id == newer

            poisoned = await eventually(
                lambda: dead_letters(svc.settings.kafka_bootstrap_servers, svc.settings.group_id)
            )
            reasons = {dict(record.headers)["dlq_reason"] for record in poisoned}
            assert reasons == {b"invalid-payload"}

            # The projection feeds the API: with no org_code the employer is inferred, and a
            # leaver cannot be given a new appraisal at the organisation they left.
            response = await svc.client.post(
                "/v1/appraisals",
                json={"person_id": person_id, "appraiser_id": "300900", "cycle_year": 2026},
                headers=auth("appraisal:write", org="RJ1"),
            )
            assert response.status_code == 422
            assert response.json()["errors"][0]["path"] == "body.person_id"
        finally:
            await producer.stop()
