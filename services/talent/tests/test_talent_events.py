"""Talent and the broker: person.changed out to `leadership.talent`, and the profile built from
CloudEvents that standards and appraisal publish."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import func, select

from devstack.testing import auth, eventually
from shared.events.cloudevents import decode_message, encode_headers, encode_value
from talent.profiles.models import ProfileEvent

NATIONAL = "talent:read talent:write national"
T0 = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)


def new_person_id() -> str:
    # The broker is shared by the whole test run: every test uses people of its own.
    return f"T{uuid.uuid4().hex[:12]}"


async def test_person_changed_reaches_the_broker(start_service: Any, embedded_broker: Any) -> None:
    person_id = new_person_id()
    async with start_service("talent", run_workers=True) as svc:
        body = json.dumps(
            {
                "person_id": person_id,
                "org_code": "R1H",
                "job_title": "Matron",
                "staff_group": "Nursing and Midwifery Registered",
                "band": "8a",
                "start_date": "2018-02-01",
                "status": "active",
                "ethnic_category": "M",
            }
        ).encode()
        response = await svc.client.post(
            "/v1/people:import",
            content=body,
            headers={"Content-Type": "application/x-ndjson", **auth(NATIONAL)},
        )
        assert response.json()["events_published"] == 1

        consumer = AIOKafkaConsumer(
            "leadership.talent",
            bootstrap_servers=embedded_broker.bootstrap_servers,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            found = None
            deadline = asyncio.get_running_loop().time() + 20
            while found is None and asyncio.get_running_loop().time() < deadline:
                batches = await consumer.getmany(timeout_ms=500)
                for records in batches.values():
                    for record in records:
                        if record.key == person_id.encode():
                            found = record
        finally:
            await consumer.stop()
        assert found is not None, "person.changed never reached leadership.talent"
        envelope = decode_message(key=found.key, value=found.value, headers=found.headers)
        assert envelope.type == "leadership.person.changed.v1"
        assert envelope.source == "/leadership/talent"
        assert envelope.data["band"] == "8a"
        assert person_id not in (envelope.subject or "")
        assert "ethnic_category" not in envelope.data
        assert b"M" not in b"".join(v for k, v in found.headers if k != "ce_time")


class Producer:
    """Publishes CloudEvents the way standards and appraisal do."""

    def __init__(self, bootstrap_servers: str) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers, enable_idempotence=False, acks="all"
        )

    async def __aenter__(self) -> "Producer":
        await self._producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._producer.stop()

    async def send(
        self, service: str, event: str, data: dict[str, Any], *, event_id: str | None = None
    ) -> str:
        event_id = event_id or str(uuid.uuid4())
        headers = encode_headers(
            event_id=event_id,
            source=f"/leadership/{service}",
            event_type=f"leadership.{event}.v1",
            time=datetime.now(UTC),
            subject=None,
        )
        await self._producer.send_and_wait(
            f"leadership.{service}",
            value=encode_value(data),
            key=data["person_id"].encode(),
            headers=headers,
        )
        return event_id


def accredited(person_id: str, credential_id: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "record_id": str(uuid.uuid4()),
        "credential_id": credential_id,
        "person_id": person_id,
        "org_code": "R1H",
        "programme_code": "NLA-MARY-SEACOLE",
        "standards": ["MLF-1", "MLF-2"],
        "levels": ["first_line"],
        "awarded_at": T0.isoformat(),
        "expires_at": None,
        "provider_id": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def completed(person_id: str, appraisal_id: str, completed_at: datetime, cycle: int) -> dict:
    return {
        "appraisal_id": appraisal_id,
        "person_id": person_id,
        "org_code": "R1H",
        "band": "7",
        "board_role": None,
        "cycle_year": cycle,
        "template_version": "2025.1",
        "performance_outcome": "fully_meets",
        "behaviour_outcome": "consistently_demonstrates",
        "behaviour_scores": {"compassion": "always"},
        "aspirations": {
            "direction": "stretch",
            "target_level": "senior",
            "timeframe": "one_to_two_years",
            "mobility": "regional",
            "challenged_organisation_interest": True,
        },
        "development_programme_codes": ["NLA-ROSALIND-FRANKLIN"],
        "appraiser_id": "1000",
        "completed_at": completed_at.isoformat(),
    }


async def profile_of(svc: Any, person_id: str, **token: Any) -> Any:
    return await svc.client.get(
        f"/v1/people/{person_id}/profile", headers=auth(token.pop("scopes", NATIONAL), **token)
    )


async def handled(svc: Any, person_id: str) -> list[tuple[str, str]]:
    async with svc.db.session() as session:
        result = await session.execute(
            select(ProfileEvent.event_type, ProfileEvent.outcome)
            .where(ProfileEvent.person_id == person_id)
            .order_by(ProfileEvent.id)
        )
        return [(t, o) for t, o in result]


async def test_credentials_build_the_profile_once(start_service: Any, embedded_broker: Any) -> None:
    person_id = new_person_id()
    async with (
        start_service("talent", run_workers=True) as svc,
        Producer(embedded_broker.bootstrap_servers) as producer,
    ):
        first = str(uuid.uuid4())
        ce_id = await producer.send(
            "standards", "training.accredited", accredited(person_id, first)
        )
        # The same message delivered twice, and the same credential under a new event id.
        await producer.send(
            "standards", "training.accredited", accredited(person_id, first), event_id=ce_id
        )
        await producer.send("standards", "training.accredited", accredited(person_id, first))
        second = str(uuid.uuid4())
        await producer.send(
            "standards",
            "training.accredited",
            accredited(
                person_id,
                second,
                programme_code="NLA-NYE-BEVAN",
                expires_at=(T0 + timedelta(days=1)).isoformat(),
            ),
        )
        await producer.send(
            "standards",
            "credential.revoked",
            {
                "credential_id": first,
                "person_id": person_id,
                "reason_code": "issued_in_error",
                "revoked_at": (T0 + timedelta(hours=2)).isoformat(),
            },
        )

        async def settled() -> Any:
            return len(await handled(svc, person_id)) == 4 and await handled(svc, person_id)

        outcomes = await eventually(settled, timeout=30)
        assert outcomes == [
            ("leadership.training.accredited.v1", "applied"),
            ("leadership.training.accredited.v1", "duplicate"),
            ("leadership.training.accredited.v1", "applied"),
            ("leadership.credential.revoked.v1", "applied"),
        ]

        response = await profile_of(svc, person_id)
        assert response.status_code == 200, response.text
        profile = response.json()
        assert profile["in_directory"] is False
        assert profile["org_code"] == "R1H"
        assert profile["version"] == 3
        assert response.headers["ETag"].startswith('"3-')
        by_id = {c["credential_id"]: c for c in profile["credentials"]}
        assert by_id[first]["status"] == "revoked"
        assert by_id[first]["revocation_reason_code"] == "issued_in_error"
        assert by_id[first]["standards"] == ["MLF-1", "MLF-2"]
        assert by_id[second]["status"] == "expired"  # expired the day after T0
        assert by_id[second]["programme_code"] == "NLA-NYE-BEVAN"

        # Reach falls back on the event's organisation while the directory lacks the person.
        assert (await profile_of(svc, person_id, scopes="talent:read", org="R1H")).is_success
        denied = await profile_of(svc, person_id, scopes="talent:read", org="RAE")
        assert denied.status_code == 403
        assert (await profile_of(svc, new_person_id())).status_code == 404


async def test_latest_appraisal_wins_whatever_the_order(
    start_service: Any, embedded_broker: Any
) -> None:
    person_id = new_person_id()
    newer, older = str(uuid.uuid4()), str(uuid.uuid4())
    async with (
        start_service("talent", run_workers=True) as svc,
        Producer(embedded_broker.bootstrap_servers) as producer,
    ):
        await producer.send(
            "appraisal", "appraisal.completed", completed(person_id, newer, T0, 2025)
        )
        # An older appraisal, then an older completion of the newer one, arrive late.
        earlier = T0 - timedelta(days=365)
        await producer.send(
            "appraisal", "appraisal.completed", completed(person_id, older, earlier, 2024)
        )
        await producer.send(
            "appraisal",
            "appraisal.completed",
            completed(person_id, newer, T0 - timedelta(days=1), 2025),
        )

        async def settled() -> Any:
            return len(await handled(svc, person_id)) == 3

        await eventually(settled, timeout=30)
        assert [o for _, o in await handled(svc, person_id)] == ["applied", "applied", "stale"]
        profile = (await profile_of(svc, person_id)).json()
        latest = profile["latest_appraisal"]
        assert (latest["appraisal_id"], latest["cycle_year"]) == (newer, 2025)
        assert latest["completed_at"] == "2026-04-20T09:00:00Z"
        assert latest["reopened"] is False
        assert profile["aspirations"]["direction"] == "stretch"
        assert profile["aspirations"]["challenged_organisation_interest"] is True

        reopened = {
            "appraisal_id": newer,
            "person_id": person_id,
            "org_code": "R1H",
            "cycle_year": 2025,
            "reason_code": "outcome_challenged",
            "reopened_at": (T0 + timedelta(days=3)).isoformat(),
        }
        await producer.send("appraisal", "appraisal.reopened", reopened)

        async def reopened_seen() -> Any:
            body = (await profile_of(svc, person_id)).json()
            return body["latest_appraisal"]["reopened"] and body

        profile = await eventually(reopened_seen, timeout=30)
        assert profile["latest_appraisal"]["reopen_reason_code"] == "outcome_challenged"
        assert profile["version"] == 3

        async with svc.db.session() as session:
            applied = await session.scalar(
                select(func.count())
                .select_from(ProfileEvent)
                .where(ProfileEvent.person_id == person_id, ProfileEvent.outcome == "applied")
            )
        assert applied == 3
