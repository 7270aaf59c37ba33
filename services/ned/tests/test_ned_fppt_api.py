"""The fit and proper person test over HTTP: annual tests signed off by the right person, the
event they emit, the audit of every read, the organisation's policy and the annual submission."""

import uuid
from typing import Any

from sqlalchemy import select

from devstack.testing import auth
from ned.boards.models import Seat
from ned.fppt.domain import FpptCheck, LcfDomain
from shared.tables import outbox

NATIONAL = auth("ned:read ned:write ned:admin national")
LEEDS = auth("ned:read ned:write ned:admin", org="RR8", subject="leeds-company-secretary")
GUYS = auth("ned:read ned:write ned:admin", org="RJ1")
PROBLEM = "application/problem+json"


def all_checks(**results: str) -> list[dict[str, Any]]:
    return [
        {
            "check": check.value,
            "result": results.get(check.value, "satisfactory"),
            "checked_on": "2026-05-01",
            "evidence_location": f"HR file FPPT-2026/{check.value}",
            **({"years_covered": 6} if check is FpptCheck.REFERENCES else {}),
        }
        for check in FpptCheck
    ]


async def seat_holders(ned: Any, org_code: str, holders: dict[str, str]) -> None:
    """Board members in post. Seats get holders only when an appointment takes effect (tested
    in the appointment tests); here the board is set up directly, as the reach suite does."""
    async with ned.db.session() as session, session.begin():
        for person_id, role in holders.items():
            session.add(
                Seat(
                    id=uuid.uuid4(),
                    org_code=org_code,
                    role=role,
                    title=role.replace("_", " ").title(),
                    voting=role != "associate_non_executive",
                    holder_person_id=person_id,
                    version=1,
                )
            )


async def outbox_events(ned: Any, type_suffix: str) -> list[dict[str, Any]]:
    async with ned.db.session() as session:
        rows = (await session.execute(select(outbox).order_by(outbox.c.seq))).all()
    return [dict(row.payload) for row in rows if row.type.endswith(type_suffix)]


async def annual(ned: Any, person_id: str, role: str, **extra: Any) -> Any:
    body = {
        "person_id": person_id,
        "org_code": "RR8",
        "kind": "annual",
        "subject_role": role,
        "year": 2026,
        "checks": all_checks(),
        "attested_lcf_domains": [d.value for d in LcfDomain],
        **extra,
    }
    response = await ned.client.post("/v1/fppt/assessments", json=body, headers=LEEDS)
    assert response.status_code == 201, response.text
    return response


async def sign_off(ned: Any, created: Any, by: str, role: str) -> Any:
    return await ned.client.post(
        f"/v1/fppt/assessments/{created.json()['id']}/sign-off",
        json={"signed_off_by": by, "signed_off_by_role": role},
        headers={**LEEDS, "If-Match": created.headers["ETag"]},
    )


async def test_annual_tests_signed_off_submitted_and_every_read_audited(start_service) -> None:
    async with start_service("ned") as ned:
        await seat_holders(
            ned, "RR8", {"C100": "chair", "N200": "non_executive", "N300": "non_executive"}
        )
        ned_test = await annual(ned, "N200", "non_executive")
        assessment_id = ned_test.json()["id"]
        assert ned_test.json()["status"] == "open"

        # Only the chair signs off a NED's test; without If-Match nothing happens.
        wrong = await sign_off(ned, ned_test, "C100", "senior_independent_director")
        assert wrong.status_code == 422 and wrong.headers["content-type"] == PROBLEM
        missing = await ned.client.post(
            f"/v1/fppt/assessments/{assessment_id}/sign-off",
            json={"signed_off_by": "C100", "signed_off_by_role": "chair"},
            headers=LEEDS,
        )
        assert missing.status_code == 428
        # The board's records name C100 as chair: nobody else signs as chair.
        impostor = await sign_off(ned, ned_test, "N300", "chair")
        assert impostor.status_code == 422 and "someone else" in impostor.json()["detail"]
        passed = await sign_off(ned, ned_test, "C100", "chair")
        assert passed.status_code == 200, passed.text
        assert passed.json()["status"] == "passed" and passed.json()["outcome"] == "pass"
        again = await ned.client.post(
            f"/v1/fppt/assessments/{assessment_id}/sign-off",
            json={"signed_off_by": "C100", "signed_off_by_role": "chair"},
            headers={**LEEDS, "If-Match": passed.headers["ETag"]},
        )
        assert again.status_code == 409

        # A NED whose social media check raised a concern fails, with the reason.
        other = await annual(
            ned, "N300", "non_executive", checks=all_checks(social_media="unsatisfactory")
        )
        failed = await sign_off(ned, other, "C100", "chair")
        assert failed.json()["outcome"] == "fail"
        assert failed.json()["reasons"] == ["failed:social_media"]

        # The chair's own test: never by the chair, by the SID or the deputy chair.
        chair_test = await annual(ned, "C100", "chair")
        assert (await sign_off(ned, chair_test, "C100", "chair")).status_code == 422
        chair_passed = await sign_off(ned, chair_test, "N200", "deputy_chair")
        assert chair_passed.json()["outcome"] == "pass"

        events = await outbox_events(ned, "fppt.assessed.v1")
        assert [
            (e["person_id"], e["kind"], e["outcome"], e["signed_off_by_role"]) for e in events
        ] == [
            ("N200", "annual", "pass", "chair"),
            ("N300", "annual", "fail", "chair"),
            ("C100", "annual", "pass", "deputy_chair"),
        ]
        assert all("evidence_location" not in str(e) for e in events)

        # Another organisation's token learns nothing; the owner reads, and is audited.
        foreign = await ned.client.get(f"/v1/fppt/assessments/{assessment_id}", headers=GUYS)
        assert foreign.status_code == 404 and foreign.headers["content-type"] == PROBLEM
        read = await ned.client.get(f"/v1/fppt/assessments/{assessment_id}", headers=LEEDS)
        assert read.status_code == 200
        assert {c["check"] for c in read.json()["checks"]} == {c.value for c in FpptCheck}
        listed = await ned.client.get("/v1/fppt/assessments?person_id=N300", headers=LEEDS)
        assert [a["person_id"] for a in listed.json()["items"]] == ["N300"]
        audit = await ned.client.get("/v1/fppt/audit?org_code=RR8", headers=LEEDS)
        assert audit.status_code == 200
        trail = [(e["action"], e["record_id"], e["subject"]) for e in audit.json()["items"]]
        assert ("read", assessment_id, "leeds-company-secretary") in trail
        assert ("list", other.json()["id"], "leeds-company-secretary") in trail
        assert (
            await ned.client.get("/v1/fppt/audit?org_code=RR8", headers=GUYS)
        ).status_code == 403

        # The annual submission to the regional director: one line per board member.
        submitted = await ned.client.post(
            "/v1/fppt/submissions", json={"org_code": "RR8", "year": 2026}, headers=LEEDS
        )
        assert submitted.status_code == 201, submitted.text
        submission = submitted.json()
        assert submission["region_code"] == "Y63"
        assert {(m["person_id"], m["status"]) for m in submission["members"]} == {
            ("C100", "pass"),
            ("N200", "pass"),
            ("N300", "fail"),
        }
        next_year = await ned.client.post(
            "/v1/fppt/submissions", json={"org_code": "RR8", "year": 2027}, headers=LEEDS
        )
        assert {m["status"] for m in next_year.json()["members"]} == {"not_assessed"}


async def test_bad_input_is_a_problem_never_a_500(start_service) -> None:
    async with start_service("ned") as ned:
        cases = [
            {"person_id": "N1", "org_code": "RR8", "kind": "annual", "subject_role": "chair"},
            {"person_id": "N1", "org_code": "RR8", "kind": "appointment", "subject_role": "chair"},
            {
                "person_id": "N1",
                "org_code": "RR8",
                "kind": "annual",
                "subject_role": "chair",
                "year": 2026,
                "checks": all_checks() + all_checks()[:1],
            },
        ]
        for body in cases:
            response = await ned.client.post("/v1/fppt/assessments", json=body, headers=LEEDS)
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == PROBLEM
        outside = await ned.client.post(
            "/v1/fppt/assessments",
            json={**cases[0], "year": 2026, "org_code": "RR8"},
            headers=GUYS,
        )
        assert outside.status_code == 403
        unknown_appointment = await ned.client.post(
            "/v1/fppt/assessments",
            json={**cases[1], "appointment_id": str(uuid.uuid4())},
            headers=LEEDS,
        )
        assert unknown_appointment.status_code == 422


async def test_an_organisation_sets_its_own_checks(start_service) -> None:
    async with start_service("ned") as ned:
        default = await ned.client.get("/v1/fppt/policies/RR8", headers=LEEDS)
        assert default.json()["is_default"] is True and default.json()["version"] == 0
        assert len(default.json()["annual_checks"]) == len(FpptCheck)
        fewer = {
            "appointment_checks": ["self_attestation", "disqualified_directors", "insolvency"],
            "annual_checks": ["self_attestation", "disqualified_directors"],
        }
        no_match = await ned.client.put("/v1/fppt/policies/RR8", json=fewer, headers=LEEDS)
        assert no_match.status_code == 428
        without_attestation = await ned.client.put(
            "/v1/fppt/policies/RR8",
            json={**fewer, "annual_checks": ["insolvency"]},
            headers={**LEEDS, "If-Match": default.headers["ETag"]},
        )
        assert without_attestation.status_code == 422
        changed = await ned.client.put(
            "/v1/fppt/policies/RR8",
            json=fewer,
            headers={**LEEDS, "If-Match": default.headers["ETag"]},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["version"] == 1
        stale = await ned.client.put(
            "/v1/fppt/policies/RR8",
            json=fewer,
            headers={**LEEDS, "If-Match": default.headers["ETag"]},
        )
        assert stale.status_code == 412

        # Under that policy two checks and the six domains are enough for an annual pass.
        await seat_holders(ned, "RR8", {"C1": "chair", "N2": "non_executive"})
        created = await annual(
            ned,
            "N2",
            "non_executive",
            checks=[c for c in all_checks() if c["check"] in fewer["annual_checks"]],
        )
        assert (await sign_off(ned, created, "C1", "chair")).json()["outcome"] == "pass"


async def test_checks_are_recorded_as_they_come_in_until_sign_off(start_service) -> None:
    async with start_service("ned") as ned:
        created = await annual(
            ned, "N500", "non_executive", checks=all_checks()[:2], attested_lcf_domains=[]
        )
        url = f"/v1/fppt/assessments/{created.json()['id']}"
        body = {"checks": all_checks(), "attested_lcf_domains": [d.value for d in LcfDomain]}
        stale = await ned.client.patch(
            url, json=body, headers={**LEEDS, "If-Match": '"9-0000000000000000"'}
        )
        assert stale.status_code == 412
        patched = await ned.client.patch(
            url, json=body, headers={**LEEDS, "If-Match": created.headers["ETag"]}
        )
        assert patched.status_code == 200, patched.text
        assert len(patched.json()["checks"]) == len(FpptCheck)
        assert patched.json()["version"] == 2
        old_etag = await ned.client.patch(
            url, json=body, headers={**LEEDS, "If-Match": created.headers["ETag"]}
        )
        assert old_etag.status_code == 412
        signed = await sign_off(ned, patched, "C1", "chair")
        assert signed.json()["outcome"] == "pass"
        closed = await ned.client.patch(
            url, json=body, headers={**LEEDS, "If-Match": signed.headers["ETag"]}
        )
        assert closed.status_code == 409 and closed.headers["content-type"] == PROBLEM
