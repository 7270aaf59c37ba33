"""HTTP → outbox → Kafka → consumer → talent profile, across the real services.

Talent imports a person; standards and appraisal learn of them from person.changed; an
accredited completion and a completed appraisal then appear in the talent profile."""

from __future__ import annotations

import uuid

from devstack import flows
from devstack.testing import auth, eventually

ORG = "RR8"
HEADERS = auth(
    "talent:read talent:write standards:read standards:write standards:admin "
    "appraisal:read appraisal:write",
    org=ORG,
)


async def test_completion_and_appraisal_reach_the_talent_profile(start_service) -> None:
    person_id = f"E{uuid.uuid4().hex[:9]}"
    async with (
        start_service("talent", run_workers=True) as talent,
        start_service("standards", run_workers=True) as standards,
        start_service("appraisal", run_workers=True) as appraisal,
    ):
        await flows.import_people(talent.client, [flows.staff_row(person_id, ORG)], HEADERS)

        # Neither request names the organisation: standards and appraisal learn it from the
        # person.changed event, so the first attempts may be refused until that has arrived.
        provider_id = await flows.accredited_provider(standards.client, HEADERS)

        async def completion_recorded() -> dict | None:
            response = await standards.client.post(
                f"/v1/learners/{person_id}/completions",
                json={
                    "programme_code": flows.ACCREDITED_PROGRAMME,
                    "provider_id": provider_id,
                    "completed_at": "2026-10-01T09:00:00Z",
                },
                headers=HEADERS,
            )
            return response.json() if response.status_code == 201 else None

        record = await eventually(completion_recorded, timeout=30, interval=0.2)
        assert record["accredited"] is True
        assert record["org_code"] == ORG

        async def appraisal_completed() -> dict | None:
            try:
                return await flows.complete_appraisal(appraisal.client, person_id, HEADERS)
            except AssertionError:
                return None

        completed = await eventually(appraisal_completed, timeout=30, interval=0.2)
        assert completed["status"] == "completed"

        async def profile() -> dict | None:
            response = await talent.client.get(f"/v1/people/{person_id}/profile", headers=HEADERS)
            body = response.json()
            ready = body.get("credentials") and body.get("latest_appraisal")
            return body if response.status_code == 200 and ready else None

        shown = await eventually(profile, timeout=30)
        assert [c["programme_code"] for c in shown["credentials"]] == [flows.ACCREDITED_PROGRAMME]
        assert shown["latest_appraisal"]["appraisal_id"] == completed["id"]
        assert shown["latest_appraisal"]["performance_outcome"] == "meets"
        assert shown["latest_appraisal"]["behaviour_outcome"] == "exceeds"
        assert shown["aspirations"]["direction"] == "stretch"
        assert shown["in_directory"] is True
