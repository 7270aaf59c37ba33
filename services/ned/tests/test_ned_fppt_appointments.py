"""An appointment takes effect only when its fit and proper person test passes: over HTTP, with
the appointments API creating the pending appointment and the FPPT API deciding it."""

from typing import Any

from sqlalchemy import select

from devstack.testing import auth
from ned.fppt.domain import FpptCheck
from shared.tables import outbox

NHS_ENGLAND = auth("ned:read ned:write ned:appoint ned:admin national", subject="nhse-appointments")
LEEDS = auth("ned:read ned:write", org="RR8", subject="leeds-company-secretary")


def all_checks(**results: str) -> list[dict[str, Any]]:
    return [
        {
            "check": check.value,
            "result": results.get(check.value, "satisfactory"),
            "checked_on": "2026-11-01",
            "evidence_location": f"Appointment file/{check.value}",
            **({"years_covered": 6} if check is FpptCheck.REFERENCES else {}),
        }
        for check in FpptCheck
    ]


async def outbox_events(ned: Any, type_suffix: str) -> list[dict[str, Any]]:
    async with ned.db.session() as session:
        rows = (await session.execute(select(outbox).order_by(outbox.c.seq))).all()
    return [dict(row.payload) for row in rows if row.type.endswith(type_suffix)]


async def pending_appointment(
    ned: Any, person_id: str, role: str = "non_executive"
) -> dict[str, Any]:
    seat = await ned.client.post(
        "/v1/boards/RR8/seats",
        json={"role": role, "title": f"{role} seat for {person_id}"},
        headers=NHS_ENGLAND,
    )
    assert seat.status_code == 201, seat.text
    appointment = await ned.client.post(
        "/v1/appointments",
        json={
            "org_code": "RR8",
            "seat_id": seat.json()["id"],
            "person_id": person_id,
            "term_start": "2026-12-01",
            "term_end": "2029-11-30",
        },
        headers=NHS_ENGLAND,
    )
    assert appointment.status_code == 201, appointment.text
    assert appointment.json()["status"] == "pending_fppt"
    return appointment.json()


async def appointment_test(
    ned: Any, appointment: dict[str, Any], checks: list[dict[str, Any]], role: str = "non_executive"
) -> Any:
    created = await ned.client.post(
        "/v1/fppt/assessments",
        json={
            "person_id": appointment["person_id"],
            "org_code": "RR8",
            "kind": "appointment",
            "subject_role": role,
            "appointment_id": appointment["id"],
            "checks": checks,
        },
        headers=LEEDS,
    )
    assert created.status_code == 201, created.text
    return created


async def sign(ned: Any, created: Any, role: str = "chair") -> Any:
    # NHS England signs with its own token; everyone else through the trust's.
    headers = NHS_ENGLAND if role == "nhs_england" else LEEDS
    response = await ned.client.post(
        f"/v1/fppt/assessments/{created.json()['id']}/sign-off",
        json={"signed_off_by": "C900", "signed_off_by_role": role},
        headers={**headers, "If-Match": created.headers["ETag"]},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def seat_holder(ned: Any, seat_id: str) -> str | None:
    board = await ned.client.get("/v1/boards/RR8", headers=LEEDS)
    (seat,) = [s for s in board.json()["seats"] if s["id"] == seat_id]
    holder: str | None = seat["holder_person_id"]
    return holder


async def test_an_appointment_stays_pending_until_its_fppt_passes(start_service) -> None:
    async with start_service("ned") as ned:
        appointment = await pending_appointment(ned, "P4401")
        url = f"/v1/appointments/{appointment['id']}"

        # A failed test (an insolvency register hit) leaves the appointment pending.
        failing = await appointment_test(ned, appointment, all_checks(insolvency="unsatisfactory"))
        verdict = await sign(ned, failing)
        assert verdict["outcome"] == "fail" and verdict["reasons"] == ["failed:insolvency"]
        assert (await ned.client.get(url, headers=LEEDS)).json()["status"] == "pending_fppt"
        assert await seat_holder(ned, appointment["seat_id"]) is None
        assert await outbox_events(ned, "ned.appointed.v1") == []

        # References covering under six years are not enough either.
        short = all_checks()
        for check in short:
            if check["check"] == "references":
                check["years_covered"] = 3
        assert (await sign(ned, await appointment_test(ned, appointment, short)))["outcome"] == (
            "fail"
        )
        assert (await ned.client.get(url, headers=LEEDS)).json()["status"] == "pending_fppt"

        # A passing test makes it take effect: active, the seat held, ned.appointed published.
        passing = await appointment_test(ned, appointment, all_checks(dbs="not_applicable"))
        assert (await sign(ned, passing))["outcome"] == "pass"
        assert (await ned.client.get(url, headers=LEEDS)).json()["status"] == "active"
        assert await seat_holder(ned, appointment["seat_id"]) == "P4401"
        appointed = await outbox_events(ned, "ned.appointed.v1")
        assert [(e["appointment_id"], e["person_id"]) for e in appointed] == [
            (appointment["id"], "P4401")
        ]
        assessed = await outbox_events(ned, "fppt.assessed.v1")
        assert [(e["kind"], e["outcome"], e["appointment_id"]) for e in assessed] == [
            ("appointment", "fail", appointment["id"]),
            ("appointment", "fail", appointment["id"]),
            ("appointment", "pass", appointment["id"]),
        ]

        # The appointment no longer awaits a test.
        again = await ned.client.post(
            "/v1/fppt/assessments",
            json={
                "person_id": "P4401",
                "org_code": "RR8",
                "kind": "appointment",
                "subject_role": "non_executive",
                "appointment_id": appointment["id"],
            },
            headers=LEEDS,
        )
        assert again.status_code == 409


async def test_a_new_chairs_test_is_not_signed_off_by_a_chair(start_service) -> None:
    async with start_service("ned") as ned:
        appointment = await pending_appointment(ned, "P4402", role="chair")
        created = await appointment_test(ned, appointment, all_checks(), role="chair")
        refused = await ned.client.post(
            f"/v1/fppt/assessments/{created.json()['id']}/sign-off",
            json={"signed_off_by": "C900", "signed_off_by_role": "chair"},
            headers={**LEEDS, "If-Match": created.headers["ETag"]},
        )
        assert refused.status_code == 422
        not_nhse = await ned.client.post(
            f"/v1/fppt/assessments/{created.json()['id']}/sign-off",
            json={"signed_off_by": "C900", "signed_off_by_role": "nhs_england"},
            headers={**LEEDS, "If-Match": created.headers["ETag"]},
        )
        assert not_nhse.status_code == 403
        assert (await sign(ned, created, role="nhs_england"))["outcome"] == "pass"
        status = await ned.client.get(f"/v1/appointments/{appointment['id']}", headers=LEEDS)
        assert status.json()["status"] == "active"

        wrong_person = await ned.client.post(
            "/v1/fppt/assessments",
            json={
                "person_id": "SOMEONE-ELSE",
                "org_code": "RR8",
                "kind": "appointment",
                "subject_role": "chair",
                "appointment_id": appointment["id"],
            },
            headers=LEEDS,
        )
        assert wrong_person.status_code == 422
