"""Events end to end on the embedded broker: what the service publishes reaches its topic, and
what talent publishes about people reaches the projection (run_workers=True: relay + consumer)."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import func, select

from devstack.testing import auth, eventually
from shared.events.cloudevents import encode_headers
from shared.tables import inbox
from standards.people.models import Person

ADMIN = "standards:admin standards:read"
WRITE = "standards:write standards:read national"
TALENT_SOURCE = "/leadership/talent"
PERSON_CHANGED = "leadership.person.changed.v1"


async def _read_until(bootstrap: str, topic: str, wanted: int, match, within: float = 15.0):
    """Records of ``topic`` (from its start) matching ``match``, until ``wanted`` are seen."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found = []
    try:
        deadline = asyncio.get_running_loop().time() + within
        while len(found) < wanted and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                found += [record for record in records if match(record)]
    finally:
        await consumer.stop()
    return found


async def test_training_events_reach_the_standards_topic(start_service, embedded_broker) -> None:
    async with start_service("standards", run_workers=True) as svc:
        created = await svc.client.post(
            "/v1/providers", json={"name": "Yorkshire Academy"}, headers=auth(ADMIN)
        )
        provider_id = created.json()["id"]
        decision = await svc.client.post(
            f"/v1/providers/{provider_id}/accreditations",
            json={
                "programme_code": "NLA-ROSALIND-FRANKLIN",
                "status": "accredited",
                "valid_from": "2025-04-01",
            },
            headers=auth(ADMIN),
        )
        assert decision.status_code == 201, decision.text
        person = uuid.uuid4().hex[:12]
        response = await svc.client.post(
            f"/v1/learners/{person}/completions",
            json={
                "programme_code": "NLA-ROSALIND-FRANKLIN",
                "provider_id": provider_id,
                "completed_at": "2026-01-20T12:00:00Z",
                "org_code": "RR8",
            },
            headers=auth(WRITE),
        )
        assert response.status_code == 201, response.text
        record_id = response.json()["id"]

        def about_record(record) -> bool:
            return json.loads(record.value).get("record_id") == record_id

        found = await _read_until(
            embedded_broker.bootstrap_servers, "leadership.standards", 2, about_record
        )
        headers = [dict(record.headers) for record in found]
        assert [h["ce_type"].decode() for h in headers] == [
            "leadership.training.completed.v1",
            "leadership.training.accredited.v1",
        ]
        assert {record.key.decode() for record in found} == {person}
        assert all(h["ce_source"] == b"/leadership/standards" for h in headers)
        assert all(h["ce_specversion"] == b"1.0" for h in headers)
        assert headers[0]["ce_subject"].decode() == f"learner-records/{record_id}"
        # Published in order on one partition: the key keeps one person's events together.
        assert found[0].partition == found[1].partition
        assert found[0].offset < found[1].offset
        accredited = json.loads(found[1].value)
        assert accredited["credential_id"] == response.json()["credential"]["credential_id"]
        assert accredited["standards"] == ["MLF-2025-MIDDLE"]
        assert accredited["levels"] == ["middle"]

        changed = await _read_until(
            embedded_broker.bootstrap_servers,
            "leadership.standards",
            1,
            lambda record: (
                json.loads(record.value).get("provider_id") == provider_id
                and "accreditation_id" in json.loads(record.value)
            ),
        )
        assert dict(changed[0].headers)["ce_type"] == (
            b"leadership.provider.accreditation.changed.v1"
        )
        assert changed[0].key.decode() == provider_id


async def _send_person_changed(
    producer: AIOKafkaProducer,
    person_id: str,
    *,
    time: datetime,
    event_id: str | None = None,
    **data,
) -> str:
    event_id = event_id or str(uuid.uuid4())
    payload = {"person_id": person_id, **data}
    await producer.send_and_wait(
        "leadership.talent",
        key=person_id.encode(),
        value=json.dumps(payload).encode(),
        headers=encode_headers(
            event_id=event_id,
            source=TALENT_SOURCE,
            event_type=PERSON_CHANGED,
            time=time,
            subject=f"people/{uuid.uuid4()}",
        ),
    )
    return event_id


async def test_person_changed_builds_the_projection_in_event_time_order(
    start_service, embedded_broker
) -> None:
    async with start_service("standards", run_workers=True) as svc:
        producer = AIOKafkaProducer(
            bootstrap_servers=embedded_broker.bootstrap_servers, enable_idempotence=False
        )
        await producer.start()
        person = uuid.uuid4().hex[:12]
        base = datetime.now(UTC) - timedelta(hours=1)
        sent: list[str] = []

        async def person_row() -> Person | None:
            async with svc.db.session() as session:
                return await session.get(Person, person)

        async def applied(*event_ids: str) -> bool:
            async with svc.db.session() as session:
                count = await session.scalar(
                    select(func.count())
                    .select_from(inbox)
                    .where(
                        inbox.c.event_id.in_(event_ids), inbox.c.consumer == svc.settings.group_id
                    )
                )
            return count == len(event_ids)

        try:
            newer = await _send_person_changed(
                producer,
                person,
                time=base + timedelta(minutes=10),
                org_code="rr8",
                staff_group="Administrative and Clerical",
                band="8a",
                job_title="Head of Operations",
                is_line_manager=True,
                start_date="2019-04-01",
                status="active",
                left_on=None,
                a_field_added_later={"ignored": True},
            )
            sent.append(newer)
            row = await eventually(person_row)
            assert (row.org_code, row.band, row.status) == ("RR8", "8a", "active")
            assert row.job_title == "Head of Operations"
            assert row.start_date.isoformat() == "2019-04-01"

            # An older change arriving late (a replay, a retried producer) is not applied.
            older = await _send_person_changed(
                producer, person, time=base, org_code="RXF", status="active"
            )
            # A redelivery of an applied event, even with other data, is skipped by the inbox.
            await _send_person_changed(
                producer,
                person,
                event_id=newer,
                time=base + timedelta(minutes=30),
                org_code="R0A",
                status="active",
            )
            # A malformed event goes to the dead letters and does not block the partition.
            await _send_person_changed(
                producer, person, time=base + timedelta(minutes=40), org_code="not an ods code"
            )
            left = await _send_person_changed(
                producer,
                person,
                time=base + timedelta(minutes=50),
                org_code="RR8",
                band="8a",
                status="left",
                left_on="2026-11-01",
                job_title="x" * 500,
            )
            await eventually(lambda: applied(older, left))
            row = await person_row()
            assert row is not None
            assert row.org_code == "RR8"
            assert row.status == "left"
            assert row.left_on.isoformat() == "2026-11-01"
            assert len(row.job_title) == 200  # clipped, not refused
            assert row.event_id == left

            # The older event was received (inbox) but left the newer row alone.
            async with svc.db.session() as session:
                kept = await session.scalar(
                    select(func.count())
                    .select_from(inbox)
                    .where(inbox.c.consumer == svc.settings.group_id, inbox.c.event_id == newer)
                )
            assert kept == 1

            # The projection now feeds completions: no org_code needed in the body.
            response = await svc.client.post(
                f"/v1/learners/{person}/completions",
                json={"programme_code": "NHS-INDUCTION", "completed_at": "2026-01-05T09:00:00Z"},
                headers=auth("standards:write", org="RR8"),
            )
            assert response.status_code == 201, response.text
            assert response.json()["org_code"] == "RR8"
        finally:
            await producer.stop()
