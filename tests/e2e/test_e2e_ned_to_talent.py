"""HTTP → outbox → Kafka → consumer, from the NED service to the talent profile.

NHS England appoints a non-executive director to an NHS trust board; the appointment is pending
until its fit and proper person test passes; once signed off, ``fppt.assessed`` and
``ned.appointed`` travel through the broker and the board role appears in the person's talent
profile."""

from __future__ import annotations

import uuid
from typing import Any

from devstack import flows
from devstack.testing import auth, eventually

ORG = "RR8"  # Leeds Teaching Hospitals, an NHS trust: NHS England appoints its NEDs
NHS_ENGLAND = auth("ned:read ned:write ned:appoint talent:read national", subject="nhse")
TRUST = auth("ned:read ned:write talent:read", org=ORG, subject="leeds-chair")


async def test_an_appointment_with_a_passed_fppt_reaches_the_talent_profile(start_service) -> None:
    person_id = f"N{uuid.uuid4().hex[:9]}"
    async with (
        start_service("talent", run_workers=True) as talent,
        start_service("ned", run_workers=True) as ned,
    ):
        seat = await flows.ned_seat(ned.client, ORG, NHS_ENGLAND)
        appointment = await flows.ned_appointment(
            ned.client, ORG, seat["id"], person_id, NHS_ENGLAND
        )
        assert appointment["status"] == "pending_fppt"
        await flows.pass_appointment_fppt(ned.client, appointment, TRUST)
        current = await ned.client.get(f"/v1/appointments/{appointment['id']}", headers=TRUST)
        assert current.json()["status"] == "active"

        async def profile_with_board_role() -> dict[str, Any] | None:
            response = await talent.client.get(f"/v1/people/{person_id}/profile", headers=TRUST)
            if response.status_code != 200:
                return None
            body: dict[str, Any] = response.json()
            return body if body["board_roles"] and body["fit_and_proper"] else None

        profile = await eventually(profile_with_board_role, timeout=30, interval=0.2)
        (role,) = profile["board_roles"]
        assert role["appointment_id"] == appointment["id"]
        assert role["org_code"] == ORG
        assert role["seat_role"] == "non_executive"
        assert role["appointing_body"] == "nhs_england"
        assert role["current"] is True
        assert profile["fit_and_proper"]["kind"] == "appointment"
        assert profile["fit_and_proper"]["outcome"] == "pass"
