"""Succession kept current across the real services.

Talent imports people and names two successors to a critical first-line post. For one of them
standards records accredited completions (the EDI module, then the Mary Seacole programme,
which together make them eligible for the first-line level: standards announces it in
eligibility.changed) and appraisal completes an appraisal. Within a second of the appraisal's
completion the candidate's readiness and its explanation change, and readiness.changed is on
leadership.talent; reopening the appraisal moves readiness back; a replay of the talent
projections rebuilds identical state.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer

from devstack import flows
from devstack.testing import auth, eventually
from shared.events.cloudevents import decode_message

ORG = "RR8"
HEADERS = auth(
    "talent:read talent:write standards:read standards:write standards:admin "
    "appraisal:read appraisal:write",
    org=ORG,
)
ADMIN = auth("talent:read talent:admin national")
EDI_MODULE = "NHS-EDI-MODULE"


async def readiness_events(bootstrap_servers: str, candidate_id: str) -> list[dict[str, Any]]:
    """Every readiness.changed about ``candidate_id`` on leadership.talent, in order."""
    consumer = AIOKafkaConsumer(
        "leadership.talent",
        bootstrap_servers=bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        idle = 0
        while idle < 3:
            batches = await consumer.getmany(timeout_ms=300)
            idle = idle + 1 if not batches else 0
            for records in batches.values():
                for record in records:
                    envelope = decode_message(
                        key=record.key, value=record.value, headers=record.headers
                    )
                    if envelope.subject == f"succession-candidates/{candidate_id}":
                        assert envelope.type == "leadership.readiness.changed.v1"
                        found.append(envelope.data)
    finally:
        await consumer.stop()
    return found


async def test_readiness_follows_training_and_appraisal(
    start_service: Any, embedded_broker: Any
) -> None:
    person_id = f"E{uuid.uuid4().hex[:9]}"
    colleague = f"E{uuid.uuid4().hex[:9]}"
    async with (
        start_service("talent", run_workers=True) as talent,
        start_service("standards", run_workers=True) as standards,
        start_service("appraisal", run_workers=True) as appraisal,
    ):
        await flows.import_people(
            talent.client,
            [flows.staff_row(person_id, ORG), flows.staff_row(colleague, ORG)],
            HEADERS,
        )
        plan = await flows.succession_plan(talent.client, ORG, HEADERS, level="first_line")
        candidate = await flows.succession_candidate(
            talent.client, plan["id"], person_id, HEADERS, emergency_cover=True
        )
        await flows.succession_candidate(talent.client, plan["id"], colleague, HEADERS)
        assert candidate["readiness"] == "not_ready"
        url = f"/v1/succession-candidates/{candidate['id']}"

        async def read() -> dict[str, Any]:
            response = await talent.client.get(url, headers=HEADERS)
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        def rules(body: dict[str, Any]) -> dict[str, bool]:
            return {r["rule"]: r["met"] for r in body["explanation"]["rules"]}

        # Standards learns of the person from person.changed; until then it refuses.
        edi_provider = await flows.accredited_provider(standards.client, HEADERS, EDI_MODULE)
        provider = await flows.accredited_provider(standards.client, HEADERS)

        async def completed(programme: str, provider_id: str) -> dict[str, Any] | None:
            try:
                return await flows.record_completion(
                    standards.client, person_id, provider_id, HEADERS, programme=programme
                )
            except AssertionError:
                return None

        await eventually(lambda: completed(EDI_MODULE, edi_provider), timeout=30, interval=0.2)
        record = await eventually(
            lambda: completed(flows.ACCREDITED_PROGRAMME, provider), timeout=30, interval=0.2
        )
        assert record["accredited"] is True

        async def eligible() -> dict[str, Any] | None:
            body = await read()
            return body if rules(body)["eligible_for_level"] else None

        # Eligibility alone is not readiness: the policy also wants a recent, good appraisal.
        body = await eventually(eligible, timeout=30)
        assert body["readiness"] == "not_ready"
        evidence = {r["rule"]: r["evidence"] for r in body["explanation"]["rules"]}
        assert (
            record["credential"]["credential_id"]
            in (evidence["eligible_for_level"]["evidence_credential_ids"])
        )

        async def appraisal_completed() -> dict[str, Any] | None:
            try:
                return await flows.complete_appraisal(appraisal.client, person_id, HEADERS)
            except AssertionError:
                return None

        done = await eventually(appraisal_completed, timeout=30, interval=0.2)
        assert done["status"] == "completed"

        async def ready_now() -> dict[str, Any] | None:
            body = await read()
            return body if body["readiness"] == "ready_now" else None

        # The promise: current within a second of the appraisal's completion.
        body = await eventually(ready_now, timeout=1.0, interval=0.02)
        assert all(rules(body).values())
        evidence = {r["rule"]: r["evidence"] for r in body["explanation"]["rules"]}
        assert evidence["appraisal_outcomes"]["appraisal_id"] == done["id"]
        assert evidence["aspiration_toward_level"]["target_level"] == "senior"

        async def announced(count: int) -> list[dict[str, Any]] | None:
            events = await readiness_events(embedded_broker.bootstrap_servers, candidate["id"])
            return events if len(events) >= count else None

        events = await eventually(lambda: announced(2), timeout=15)
        assert [e["readiness"] for e in events] == [
            {"old": None, "new": "not_ready"},
            {"old": "not_ready", "new": "ready_now"},
        ]
        assert events[-1]["reasons"]["unmet"] == []
        assert events[-1]["person_id"] == person_id
        plan_now = await talent.client.get(f"/v1/succession-plans/{plan['id']}", headers=HEADERS)
        assert plan_now.json()["bench_strength"]["ready_now"] == 1
        assert plan_now.json()["risks"] == ["single_successor"]

        # Reopening the appraisal takes its evidence away again.
        await flows.reopen_appraisal(appraisal.client, done["id"], HEADERS)

        async def back() -> dict[str, Any] | None:
            body = await read()
            return body if body["readiness"] == "not_ready" else None

        body = await eventually(back, timeout=10)
        assert rules(body)["eligible_for_level"] is True
        assert rules(body)["appraisal_outcomes"] is False
        assert body["explanation"]["rules"][2]["evidence"]["reopened"] is True
        events = await eventually(lambda: announced(3), timeout=15)
        assert events[-1]["readiness"] == {"old": "ready_now", "new": "not_ready"}

        # A replay rebuilds the same state from the topics and announces nothing new.
        profile_before = (
            await talent.client.get(f"/v1/people/{person_id}/profile", headers=HEADERS)
        ).json()
        requested = await talent.client.post("/v1/admin/replays", headers=ADMIN)
        assert requested.status_code == 202, requested.text

        async def replayed() -> dict[str, Any] | None:
            response = await talent.client.get(
                f"/v1/admin/replays/{requested.json()['id']}", headers=ADMIN
            )
            status = response.json()["status"]
            assert status != "failed", response.text
            return response.json() if status == "completed" else None

        replay = await eventually(replayed, timeout=60, interval=0.2)
        assert datetime.fromisoformat(replay["reset_at"]) < datetime.now(UTC)
        after = await read()
        assert after["readiness"] == body["readiness"]
        assert after["explanation"] == body["explanation"]
        profile_after = (
            await talent.client.get(f"/v1/people/{person_id}/profile", headers=HEADERS)
        ).json()
        # updated_at says when an event was applied, which a replay does anew.
        profile_before.pop("updated_at")
        profile_after.pop("updated_at")
        assert profile_after == profile_before
        await asyncio.sleep(0.5)
        assert len(await readiness_events(embedded_broker.bootstrap_servers, candidate["id"])) == 3
