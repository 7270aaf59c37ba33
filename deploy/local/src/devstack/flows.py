"""Business flows over the services' HTTP APIs, shared by end-to-end tests, fault tests,
benchmarks and demo seeding. Each function takes an httpx client already pointed at the right
service and raises with the response text when the service refuses."""

from __future__ import annotations

import asyncio
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


# ---- ned: boards, the candidate pool, appointments and vacancies ------------------------------

LCF_DOMAINS = [f"LCF-2024-D{n}" for n in range(1, 7)]


async def ned_seat(
    ned: httpx.AsyncClient,
    org_code: str,
    headers: dict[str, str],
    *,
    role: str = "non_executive",
    title: str | None = None,
    committee_roles: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A new seat on the board of ``org_code``."""
    body = {
        "role": role,
        "title": title or role.replace("_", " ").capitalize(),
        "committee_roles": list(committee_roles),
    }
    response = await ned.post(f"/v1/boards/{org_code}/seats", json=body, headers=headers)
    result: dict[str, Any] = _ok(response, 201).json()
    return result


def ned_candidate_body(person_id: str, org_code: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "person_id": person_id,
        "org_code": org_code,
        "skills": ["finance", "audit"],
        "sector_expertise": ["acute", "private"],
        "lcf_self_assessment": dict.fromkeys(LCF_DOMAINS, "often"),
        "lcf_assessed_on": "2026-10-01",
        "available_from": "2027-01-01",
        "days_per_month": 3,
        "regional_preferences": ["Y63"],
        "programmes": [{"programme": "next_director", "status": "active"}],
    }
    body.update(overrides)
    return body


async def ned_candidate(
    ned: httpx.AsyncClient,
    person_id: str,
    org_code: str,
    headers: dict[str, str],
    **overrides: Any,
) -> dict[str, Any]:
    """A person added to the NED talent pool, held by ``org_code`` (an organisation or region)."""
    body = ned_candidate_body(person_id, org_code, **overrides)
    result: dict[str, Any] = _ok(
        await ned.post("/v1/candidates", json=body, headers=headers), 201
    ).json()
    return result


async def ned_appointment(
    ned: httpx.AsyncClient,
    org_code: str,
    seat_id: str,
    person_id: str,
    headers: dict[str, str],
    *,
    term_start: str = "2027-04-01",
    term_end: str = "2030-03-31",
) -> dict[str, Any]:
    """An appointment pending its fit and proper person test (``headers`` of the appointing
    body: NHS England for NHS trusts and ICB chairs, the trust's governors for an FT)."""
    body = {
        "org_code": org_code,
        "seat_id": seat_id,
        "person_id": person_id,
        "term_start": term_start,
        "term_end": term_end,
    }
    result: dict[str, Any] = _ok(
        await ned.post("/v1/appointments", json=body, headers=headers), 201
    ).json()
    return result


async def ned_vacancy(
    ned: httpx.AsyncClient,
    org_code: str,
    seat_id: str,
    headers: dict[str, str],
    *,
    closing_date: str | None = None,
) -> dict[str, Any]:
    """An open campaign for a seat, opened by its appointing body."""
    closing = closing_date or (datetime.now(UTC).date() + timedelta(days=28)).isoformat()
    body = {
        "org_code": org_code,
        "seat_id": seat_id,
        "reason": "planned_term_end",
        "role_description": "Non-executive director bringing finance and audit experience.",
        "lcf_domains": LCF_DOMAINS,
        "closing_date": closing,
    }
    result: dict[str, Any] = _ok(
        await ned.post("/v1/vacancies", json=body, headers=headers), 201
    ).json()
    return result


async def open_appraisal_cycle(
    appraisal: httpx.AsyncClient,
    org_code: str,
    headers: dict[str, str],
    *,
    cycle_year: int = 2026,
    kind: str = "staff",
) -> dict[str, Any]:
    """Open an organisation's appraisal cycle (needs appraisal:admin)."""
    body = {"org_code": org_code, "cycle_year": cycle_year, "kind": kind}
    cycle: dict[str, Any] = _ok(
        await appraisal.post("/v1/cycles", json=body, headers=headers), 201
    ).json()
    return cycle


async def open_board_appraisal(
    appraisal: httpx.AsyncClient,
    person_id: str,
    headers: dict[str, str],
    *,
    org_code: str,
    cycle_year: int = 2026,
    board_role: str = "non_executive",
    appraiser_id: str = "900002",
) -> dict[str, Any]:
    """Open a board member's appraisal (not started), in the board cycle if there is one."""
    body = {
        "person_id": person_id,
        "org_code": org_code,
        "appraiser_id": appraiser_id,
        "cycle_year": cycle_year,
        "board_role": board_role,
    }
    created: dict[str, Any] = _ok(
        await appraisal.post("/v1/appraisals", json=body, headers=headers), 201
    ).json()
    return created


async def add_local_question(
    appraisal: httpx.AsyncClient,
    org_code: str,
    headers: dict[str, str],
    *,
    code: str = "local_values_reflection",
) -> dict[str, Any]:
    """Add a local question to the national template for an organisation (appraisal:admin)."""
    body = {"code": code, "text": "How have you shown our organisation's own values?"}
    question: dict[str, Any] = _ok(
        await appraisal.post(
            f"/v1/organisations/{org_code}/local-questions", json=body, headers=headers
        ),
        201,
    ).json()
    return question


async def request_feedback(
    appraisal: httpx.AsyncClient,
    appraisal_id: str,
    headers: dict[str, str],
    *,
    category: str = "peer",
    rater_id: str | None = None,
) -> dict[str, Any]:
    """Ask a rater for multi-source feedback on an open appraisal; the body holds the rater's
    single-use ``response_token``."""
    body: dict[str, Any] = {"category": category}
    if rater_id is not None:
        body["rater_id"] = rater_id
    created: dict[str, Any] = _ok(
        await appraisal.post(
            f"/v1/appraisals/{appraisal_id}/feedback-requests", json=body, headers=headers
        ),
        201,
    ).json()
    return created


async def set_hr_flag(
    appraisal: httpx.AsyncClient,
    person_id: str,
    headers: dict[str, str],
    *,
    kind: str = "capability",
    starts_on: str = "2026-01-05",
    ends_on: str | None = None,
    org_code: str | None = None,
) -> dict[str, Any]:
    """Record a capability process or disciplinary sanction as an HR system would
    (appraisal:admin)."""
    body: dict[str, Any] = {"kind": kind, "starts_on": starts_on, "ends_on": ends_on}
    if org_code is not None:
        body["org_code"] = org_code
    flag: dict[str, Any] = _ok(
        await appraisal.post(f"/v1/people/{person_id}/hr-flags", json=body, headers=headers), 201
    ).json()
    return flag


async def revoke_credential(
    standards: httpx.AsyncClient,
    credential_id: str,
    headers: dict[str, str],
    *,
    reason_code: str = "issued_in_error",
) -> dict[str, Any]:
    """Revoke a standards credential (its ETag first: revocation takes If-Match)."""
    current = _ok(await standards.get(f"/v1/credentials/{credential_id}", headers=headers), 200)
    revoked: dict[str, Any] = _ok(
        await standards.post(
            f"/v1/credentials/{credential_id}/revoke",
            json={"reason_code": reason_code},
            headers={**headers, "If-Match": current.headers["ETag"]},
        ),
        200,
    ).json()
    return revoked


async def import_completions(
    standards: httpx.AsyncClient,
    rows: list[dict[str, Any]],
    headers: dict[str, str],
    *,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Record many completions at once (NDJSON); returns the import report."""
    extra = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    body = "\n".join(json.dumps(row) for row in rows).encode()
    report: dict[str, Any] = _ok(
        await standards.post(
            "/v1/completions:import",
            content=body,
            headers={**headers, **extra, "Content-Type": "application/x-ndjson"},
        ),
        200,
    ).json()
    return report


# ---- standards: frameworks and compliance -----------------------------------------------------


async def publish_framework_version(
    standards: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    code: str = "LCF-BOARD",
    based_on: str = "2024",
    version: str | None = None,
) -> dict[str, Any]:
    """Draft a new version of a framework from the tree of ``based_on``, then publish it."""
    version = version or f"v{uuid.uuid4().hex[:8]}"
    base = f"/v1/frameworks/{code}/versions"
    tree = _ok(await standards.get(f"{base}/{based_on}", headers=headers), 200).json()
    body = {
        "version": version,
        "title": tree["title"],
        "predecessor_version": based_on,
        "domains": tree["domains"],
        "rating_scale": tree["rating_scale"],
    }
    draft = _ok(await standards.post(base, json=body, headers=headers), 201)
    published = _ok(
        await standards.post(
            f"{base}/{version}/publish", headers={**headers, "If-Match": draft.headers["ETag"]}
        ),
        200,
    )
    result: dict[str, Any] = published.json()
    return result


async def determined_compliance(
    standards: httpx.AsyncClient, person_id: str, headers: dict[str, str], timeout: float = 30.0
) -> dict[str, Any]:
    """The person's compliance once standards has determined it (after their person.changed)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await standards.get(f"/v1/people/{person_id}/compliance", headers=headers)
        if response.status_code == 200 and response.json()["determination_id"]:
            result: dict[str, Any] = response.json()
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(
                f"no compliance determined for {person_id}: {response.status_code} "
                f"{response.text[:300]}"
            )
        await asyncio.sleep(0.2)


FPPT_CHECKS = (
    "dbs",
    "professional_register",
    "insolvency",
    "disqualified_directors",
    "removed_charity_trustees",
    "employment_tribunal",
    "social_media",
    "references",
    "self_attestation",
)


def fppt_checks(**results: str) -> list[dict[str, Any]]:
    """Every FPPT check, satisfactory unless ``results`` says otherwise (``insolvency=
    "unsatisfactory"``); references cover the six years an appointment needs."""
    return [
        {
            "check": check,
            "result": results.get(check, "satisfactory"),
            "checked_on": datetime.now(UTC).date().isoformat(),
            "evidence_location": f"Board member file, FPPT/{check}",
            **({"years_covered": 6} if check == "references" else {}),
        }
        for check in FPPT_CHECKS
    ]


async def open_annual_fppt(
    ned: httpx.AsyncClient,
    person_id: str,
    org_code: str,
    headers: dict[str, str],
    *,
    subject_role: str = "non_executive",
    year: int = 2026,
) -> dict[str, Any]:
    """An annual fit and proper person test with every check recorded, not yet signed off."""
    body = {
        "person_id": person_id,
        "org_code": org_code,
        "kind": "annual",
        "subject_role": subject_role,
        "year": year,
        "checks": fppt_checks(),
        "attested_lcf_domains": LCF_DOMAINS,
    }
    result: dict[str, Any] = _ok(
        await ned.post("/v1/fppt/assessments", json=body, headers=headers), 201
    ).json()
    return result


async def pass_appointment_fppt(
    ned: httpx.AsyncClient,
    appointment: dict[str, Any],
    headers: dict[str, str],
    *,
    signed_off_by: str = "900100",
) -> dict[str, Any]:
    """The appointment's fit and proper person test, every check satisfactory, signed off (by
    the chair, or by NHS England for a new chair, when ``headers`` must carry ``ned:appoint``):
    the appointment takes effect."""
    role = appointment["seat_role"]
    created = _ok(
        await ned.post(
            "/v1/fppt/assessments",
            json={
                "person_id": appointment["person_id"],
                "org_code": appointment["org_code"],
                "kind": "appointment",
                "subject_role": role,
                "appointment_id": appointment["id"],
                "checks": fppt_checks(),
            },
            headers=headers,
        ),
        201,
    )
    signed = _ok(
        await ned.post(
            f"/v1/fppt/assessments/{created.json()['id']}/sign-off",
            json={
                "signed_off_by": signed_off_by,
                "signed_off_by_role": "nhs_england" if role == "chair" else "chair",
            },
            headers={**headers, "If-Match": created.headers["ETag"]},
        ),
        200,
    )
    result: dict[str, Any] = signed.json()
    if result["outcome"] != "pass":
        raise AssertionError(f"the appointment FPPT did not pass: {result['reasons']}")
    return result


async def write_board_reference(
    ned: httpx.AsyncClient,
    person_id: str,
    org_code: str,
    headers: dict[str, str],
    *,
    date_of_birth: str = "1962-08-14",
) -> dict[str, Any]:
    """The standard board reference of someone leaving ``org_code``'s board."""
    body = {
        "person_id": person_id,
        "org_code": org_code,
        "date_of_birth": date_of_birth,
        "board_role": "non_executive",
        "role_title": "Non-executive director",
        "served_from": "2019-04-01",
        "served_to": "2025-03-31",
        "leaving_reason": "term_ended",
        "matters": [{"kind": "complaint", "status": "discontinued", "raised_on": "2023-02-01"}],
        "fit_and_proper_concerns": False,
        "referee_role": "chair",
    }
    result: dict[str, Any] = _ok(
        await ned.post("/v1/board-references", json=body, headers=headers), 201
    ).json()
    return result


# ---- talent: oversight, challenged-organisation placements, indicators -----------------------

CHALLENGED_PACKAGE: dict[str, Any] = {
    "title": "Chief Operating Officer",
    "level": "executive",
    "package_code": "CHALLENGED-EXEC-2026",
    "relocation_support": True,
    "pay_minimum": 150_000,
    "pay_maximum": 165_000,
    "protected_development_days": 10,
    "mentor": True,
    "peer_network": True,
    "coach": True,
    "improvement_time_months": 24,
    "improvement_plan_peer_review": False,
}


async def place_in_oversight_segment(
    talent: httpx.AsyncClient, org_code: str, segment: int, headers: dict[str, str]
) -> dict[str, Any]:
    """Put an organisation in an NHS Oversight Framework segment (4 or 5: challenged)."""
    current = _ok(await talent.get(f"/v1/organisations/{org_code}", headers=headers), 200)
    placed = await talent.put(
        f"/v1/organisations/{org_code}/oversight-segment",
        json={"segment": segment, "effective_from": "2026-07-01", "reason_code": "nof_q1"},
        headers={**headers, "If-Match": current.headers["ETag"]},
    )
    result: dict[str, Any] = _ok(placed, 200).json()
    return result


async def challenged_role(
    talent: httpx.AsyncClient, org_code: str, headers: dict[str, str]
) -> dict[str, Any]:
    """An executive role with its support package at a challenged organisation."""
    body = {**CHALLENGED_PACKAGE, "org_code": org_code}
    result: dict[str, Any] = _ok(
        await talent.post("/v1/challenged-roles", json=body, headers=headers), 201
    ).json()
    return result


async def make_placement_candidate(talent_db: Any, person_id: str, org_code: str) -> None:
    """A confirmed pool member, ready now for an executive post, who told their appraiser they
    would move anywhere and would take a challenged organisation. Pools, succession candidates
    and appraisal aspirations are written through the talent service's own models: they come
    from its pools area and from appraisal events, not from the placements API."""
    import uuid
    from datetime import UTC, datetime

    from talent.pools.models import PoolMembership, TalentPool
    from talent.profiles.models import ProfileAppraisal
    from talent.succession.models import CriticalPost, SuccessionCandidate, SuccessionPlan

    now = datetime.now(UTC)
    async with talent_db.session() as session, session.begin():
        pool = TalentPool(
            name="Aspiring executives",
            scope="organisation",
            scope_code=org_code,
            owner_code=org_code,
            rules={},
            created_by="seed",
        )
        post = CriticalPost(
            org_code=org_code,
            role_title="Chief Operating Officer",
            level="executive",
            risk_of_loss="high",
            impact_of_loss="high",
        )
        session.add_all([pool, post])
        await session.flush()
        plan = SuccessionPlan(post_id=post.id, org_code=org_code, level="executive")
        session.add(plan)
        await session.flush()
        session.add_all(
            [
                PoolMembership(
                    pool_id=pool.id,
                    person_id=person_id,
                    org_code=org_code,
                    status="confirmed",
                    proposal={},
                ),
                SuccessionCandidate(
                    plan_id=plan.id,
                    post_id=post.id,
                    org_code=org_code,
                    level="executive",
                    person_id=person_id,
                    rank=1,
                    computed_readiness="ready_now",
                    readiness="ready_now",
                    explanation={},
                    policy_version="2026.1",
                    computed_at=now,
                ),
                ProfileAppraisal(
                    appraisal_id=str(uuid.uuid4()),
                    person_id=person_id,
                    org_code=org_code,
                    cycle_year=2026,
                    completed_at=now,
                    aspirations={
                        "direction": "stretch",
                        "target_level": "executive",
                        "mobility": "national",
                        "challenged_organisation_interest": True,
                    },
                ),
            ]
        )


async def accepted_placement(
    talent: httpx.AsyncClient, role_id: str, person_id: str, headers: dict[str, str]
) -> dict[str, Any]:
    """Offer a challenged role to a candidate and accept it (emits placement.accepted)."""
    offered = _ok(
        await talent.post(
            f"/v1/challenged-roles/{role_id}/offers",
            json={"person_id": person_id, "start_date": "2027-01-04"},
            headers=headers,
        ),
        201,
    )
    accepted = await talent.post(
        f"/v1/placements/{offered.json()['id']}/transitions",
        json={"action": "accept"},
        headers={**headers, "If-Match": offered.headers["ETag"]},
    )
    result: dict[str, Any] = _ok(accepted, 200).json()
    return result


async def publish_indicators(
    talent: httpx.AsyncClient, org_code: str, headers: dict[str, str]
) -> dict[str, Any]:
    """Publish an organisation's indicators now (emits indicators.published)."""
    result: dict[str, Any] = _ok(
        await talent.post(
            "/v1/indicator-publications", json={"org_code": org_code}, headers=headers
        ),
        201,
    ).json()
    return result


# ---- talent: succession plans -----------------------------------------------------------------


async def succession_plan(
    talent: httpx.AsyncClient,
    org_code: str,
    headers: dict[str, str],
    *,
    level: str = "first_line",
    board_post: bool = False,
    role_title: str = "Ward Manager",
) -> dict[str, Any]:
    """A critical post and its succession plan (the plan, with ``post_id``)."""
    post = _ok(
        await talent.post(
            "/v1/critical-posts",
            json={
                "org_code": org_code,
                "role_title": role_title,
                "level": level,
                "board_post": board_post,
                "risk_of_loss": "high",
                "impact_of_loss": "medium",
            },
            headers=headers,
        ),
        201,
    ).json()
    plan: dict[str, Any] = _ok(
        await talent.post("/v1/succession-plans", json={"post_id": post["id"]}, headers=headers),
        201,
    ).json()
    return plan


async def succession_candidate(
    talent: httpx.AsyncClient,
    plan_id: str,
    person_id: str,
    headers: dict[str, str],
    *,
    emergency_cover: bool = False,
) -> dict[str, Any]:
    """Name a successor (emits readiness.changed, and succession.plan.updated if the bench
    moved)."""
    candidate: dict[str, Any] = _ok(
        await talent.post(
            f"/v1/succession-plans/{plan_id}/candidates",
            json={"person_id": person_id, "emergency_cover": emergency_cover},
            headers=headers,
        ),
        201,
    ).json()
    return candidate


async def reopen_appraisal(
    appraisal: httpx.AsyncClient,
    appraisal_id: str,
    headers: dict[str, str],
    *,
    reason_code: str = "late_evidence",
) -> dict[str, Any]:
    """Reopen a completed appraisal (emits appraisal.reopened)."""
    current = _ok(await appraisal.get(f"/v1/appraisals/{appraisal_id}", headers=headers), 200)
    reopened: dict[str, Any] = _ok(
        await appraisal.post(
            f"/v1/appraisals/{appraisal_id}/transitions",
            json={"to": "reopened", "reason_code": reason_code},
            headers={**headers, "If-Match": current.headers["ETag"]},
        ),
        200,
    ).json()
    return reopened


async def talent_profile_appraisal(talent_db: Any, person_id: str, org_code: str) -> None:
    """A completed appraisal in the talent profile, written as the appraisal.completed consumer
    writes it (for seeding a talent service that runs without its consumer)."""
    from sqlalchemy.dialects.postgresql import insert

    from talent.profiles.models import ProfileAppraisal

    async with talent_db.session() as session, session.begin():
        await session.execute(
            insert(ProfileAppraisal).values(
                appraisal_id=str(uuid.uuid4()),
                person_id=person_id,
                org_code=org_code,
                cycle_year=2026,
                performance_outcome="meets",
                behaviour_outcome="exceeds",
                aspirations={"target_level": "senior", "direction": "stretch"},
                development_programme_codes=[],
                # Now: the latest of the person's appraisals, whatever was seeded before.
                completed_at=datetime.now(UTC),
            )
        )


async def remind_feedback_rater(
    appraisal: httpx.AsyncClient, appraisal_id: str, request_id: str, headers: dict[str, str]
) -> dict[str, Any]:
    """Record that a feedback rater was reminded (the appraisal service sends nothing itself)."""
    reminder: dict[str, Any] = _ok(
        await appraisal.post(
            f"/v1/appraisals/{appraisal_id}/feedback-requests/{request_id}/reminders",
            headers=headers,
        ),
        201,
    ).json()
    return reminder
