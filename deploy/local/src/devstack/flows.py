"""Business flows over the services' HTTP APIs, shared by end-to-end tests, fault tests,
benchmarks and demo seeding. Each function takes an httpx client already pointed at the right
service and raises with the response text when the service refuses."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

ACCREDITED_PROGRAMME = "NLA-MARY-SEACOLE"

APPRAISAL_CONTENT: dict[str, Any] = {
    "objectives": [
        {"title": "Reduce elective waiting times on the ward", "weight": 60, "outcome": "meets"},
        {
            "title": "Sponsor a reverse-mentoring scheme with the staff race equality network",
            "weight": 40,
            "outcome": "exceeds",
            "is_edi_objective": True,
        },
    ],
    "performance_outcome": "meets",
    "behaviour_outcome": "exceeds",
    "behaviour_scores": {
        "working_together_for_patients": "almost_always",
        "respect_and_dignity": "almost_always",
        "commitment_to_quality_of_care": "often",
        "compassion": "often",
        "improving_lives": "sometimes",
        "everyone_counts": "almost_always",
    },
    "aspirations": {
        "direction": "stretch",
        "target_level": "senior",
        "timeframe": "one_to_two_years",
        "mobility": "region",
        "challenged_organisation_interest": True,
    },
    "development_programme_codes": [ACCREDITED_PROGRAMME],
    "wellbeing_conversation_held": True,
}


APPRAISAL_MOVES = ("preparation", "meeting", "signed_by_appraisee", "completed")


def _ok(response: httpx.Response, *expected: int) -> httpx.Response:
    if response.status_code not in (expected or (200, 201)):
        raise AssertionError(
            f"{response.request.method} {response.request.url} → {response.status_code}: "
            f"{response.text[:500]}"
        )
    return response


def staff_row(person_id: str, org_code: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "person_id": person_id,
        "org_code": org_code,
        "job_title": "Ward Manager",
        "staff_group": "Nursing and Midwifery Registered",
        "band": "7",
        "is_line_manager": True,
        "start_date": "2019-04-01",
        "status": "active",
    }
    row.update(overrides)
    return row


async def import_people(
    talent: httpx.AsyncClient, rows: list[dict[str, Any]], headers: dict[str, str]
) -> dict[str, Any]:
    body = "".join(json.dumps(r) + "\n" for r in rows).encode()
    response = await talent.post(
        "/v1/people:import",
        content=body,
        headers={**headers, "Content-Type": "application/x-ndjson"},
    )
    report: dict[str, Any] = _ok(response, 200).json()
    if report["rejected"]:
        raise AssertionError(f"rows rejected: {report['rejected']}")
    return report


async def accredited_provider(
    standards: httpx.AsyncClient, headers: dict[str, str], programme: str = ACCREDITED_PROGRAMME
) -> str:
    provider = _ok(
        await standards.post(
            "/v1/providers",
            json={"name": f"Leadership provider {uuid.uuid4().hex[:6]}"},
            headers=headers,
        ),
        201,
    ).json()
    _ok(
        await standards.post(
            f"/v1/providers/{provider['id']}/accreditations",
            json={
                "programme_code": programme,
                "status": "accredited",
                "valid_from": (datetime.now(UTC) - timedelta(days=400)).date().isoformat(),
            },
            headers=headers,
        ),
        201,
    )
    return str(provider["id"])


async def record_completion(
    standards: httpx.AsyncClient,
    person_id: str,
    provider_id: str,
    headers: dict[str, str],
    *,
    programme: str = ACCREDITED_PROGRAMME,
    completed_at: datetime | None = None,
    org_code: str | None = None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "programme_code": programme,
        "provider_id": provider_id,
        "completed_at": (completed_at or datetime.now(UTC) - timedelta(hours=1)).isoformat(),
    }
    if org_code:
        body["org_code"] = org_code
    extra = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    response = await standards.post(
        f"/v1/learners/{person_id}/completions", json=body, headers={**headers, **extra}
    )
    record: dict[str, Any] = _ok(response, 201).json()
    return record


async def complete_appraisal(
    appraisal: httpx.AsyncClient,
    person_id: str,
    headers: dict[str, str],
    *,
    org_code: str | None = None,
    cycle_year: int = 2026,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "person_id": person_id,
        "appraiser_id": "900001",
        "cycle_year": cycle_year,
    }
    if org_code:
        body["org_code"] = org_code
    created = _ok(await appraisal.post("/v1/appraisals", json=body, headers=headers), 201)
    appraisal_id, etag = created.json()["id"], created.headers["ETag"]
    patched = _ok(
        await appraisal.patch(
            f"/v1/appraisals/{appraisal_id}",
            json=APPRAISAL_CONTENT,
            headers={**headers, "If-Match": etag},
        ),
        200,
    )
    etag = patched.headers["ETag"]
    # The appraisal's life cycle: prepared, discussed, signed by the appraisee, then
    # countersigned by the appraiser, which completes it.
    for status in APPRAISAL_MOVES:
        moved = _ok(
            await appraisal.post(
                f"/v1/appraisals/{appraisal_id}/transitions",
                json={"to": status},
                headers={**headers, "If-Match": etag},
            ),
            200,
        )
        etag = moved.headers["ETag"]
    result: dict[str, Any] = moved.json()
    return result
