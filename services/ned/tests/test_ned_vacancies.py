"""Vacancies over HTTP: each campaign step is taken only by the body entitled to appoint —
a foundation trust's council of governors, or NHS England for an NHS trust — and the shortlist
is monitored against the applicant pool through disclosure control."""

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from devstack import flows
from devstack.testing import auth
from ned.candidates.models import RestrictedAccess
from shared.tables import outbox

NHSE = auth("ned:read ned:write ned:appoint national")
NHSE_LONDON = auth("ned:read ned:write ned:appoint", region="Y56")
GUYS_GOVERNORS = auth("ned:read ned:write ned:govern edi:read", org="RJ1")
LEEDS_GOVERNORS = auth("ned:read ned:write ned:govern", org="RR8")  # Leeds is no FT
GUYS = "RJ1"  # Guy's and St Thomas' NHS Foundation Trust (London)
LEEDS = "RR8"  # Leeds Teaching Hospitals NHS Trust (North East and Yorkshire)


def person() -> str:
    return "V" + uuid.uuid4().hex[:9].upper()


async def move(
    ned: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    """POST a step with the resource's current ETag, read first with the caller's token."""
    resource = url.rsplit("/", 1)[0]
    current = await ned.get(resource, headers=NHSE)
    assert current.status_code == 200, current.text
    return await ned.post(url, json=body, headers={**headers, "If-Match": current.headers["ETag"]})


async def run_campaign(
    ned: httpx.AsyncClient,
    org: str,
    body_headers: dict[str, str],
    other_headers: dict[str, str],
    candidate_holder: str,
) -> dict[str, Any]:
    """Open a campaign and take it to appointment with ``body_headers``, checking on the way
    that ``other_headers`` is refused every step; the pending appointment at the end."""
    seat = await flows.ned_seat(ned, org, NHSE)
    refused = await ned.post(
        "/v1/vacancies",
        json={
            "org_code": org,
            "seat_id": seat["id"],
            "reason": "resignation",
            "role_description": "Chair of the audit committee.",
            "lcf_domains": flows.LCF_DOMAINS,
            "closing_date": "2099-01-31",
        },
        headers=other_headers,
    )
    assert refused.status_code == 403, refused.text
    vacancy = await flows.ned_vacancy(ned, org, seat["id"], body_headers)
    assert vacancy["stage"] == "open"
    url = f"/v1/vacancies/{vacancy['id']}"
    candidate = await flows.ned_candidate(ned, person(), candidate_holder, NHSE)
    application = await ned.post(
        f"{url}/applications", json={"candidate_id": candidate["id"]}, headers=body_headers
    )
    assert application.status_code == 201, application.text
    app_url = f"{url}/applications/{application.json()['id']}"

    for stage in ("closed", "sift"):
        assert (
            await move(ned, f"{url}/transitions", {"to": stage}, other_headers)
        ).status_code == 403
        assert (
            await move(ned, f"{url}/transitions", {"to": stage}, body_headers)
        ).status_code == 200
    for step in ("longlisted", "shortlisted"):
        assert (await move(ned, f"{app_url}/steps", {"to": step}, other_headers)).status_code == 403
        assert (await move(ned, f"{app_url}/steps", {"to": step}, body_headers)).status_code == 200
    assert (
        await move(ned, f"{url}/transitions", {"to": "interview"}, body_headers)
    ).status_code == 200
    for step in ("interviewed", "recommended"):
        assert (await move(ned, f"{app_url}/steps", {"to": step}, other_headers)).status_code == 403
        assert (await move(ned, f"{app_url}/steps", {"to": step}, body_headers)).status_code == 200
    assert (
        await move(ned, f"{url}/transitions", {"to": "decision"}, body_headers)
    ).status_code == 200

    appoint = {"to": "appointed", "term_start": "2099-04-01", "term_end": "2102-03-31"}
    denied = await move(ned, f"{app_url}/steps", appoint, other_headers)
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/problem+json"
    appointed = await move(ned, f"{app_url}/steps", appoint, body_headers)
    assert appointed.status_code == 200, appointed.text
    assert appointed.json()["stage"] == "appointed"
    filled = await ned.get(url, headers=NHSE)
    assert filled.json()["stage"] == "filled"
    appointment = await ned.get(
        f"/v1/appointments/{appointed.json()['appointment_id']}", headers=NHSE
    )
    assert appointment.json()["status"] == "pending_fppt"
    assert appointment.json()["person_id"] == candidate["person_id"]
    assert appointment.json()["vacancy_id"] == vacancy["id"]
    result: dict[str, Any] = appointment.json()
    return result


async def test_a_foundation_trust_vacancy_is_decided_by_its_governors_not_nhs_england(
    start_service,
) -> None:
    async with start_service("ned") as ned:
        appointment = await run_campaign(
            ned.client, GUYS, GUYS_GOVERNORS, NHSE, candidate_holder=GUYS
        )
        assert appointment["appointing_body"] == "council_of_governors"


async def test_an_nhs_trust_vacancy_is_decided_by_nhs_england_not_governors(
    start_service,
) -> None:
    async with start_service("ned") as ned:
        appointment = await run_campaign(
            ned.client, LEEDS, NHSE, LEEDS_GOVERNORS, candidate_holder="Y63"
        )
        assert appointment["appointing_body"] == "nhs_england"
        steps = await ned.client.get(
            f"/v1/vacancies/{appointment['vacancy_id']}/campaign-steps", headers=NHSE
        )
        trail = [(s["to_stage"], s["acting_body"]) for s in steps.json()["items"]]
        assert trail[0] == ("open", "nhs_england")
        assert ("appointed", "nhs_england") in trail and ("filled", "nhs_england") in trail


async def test_vacancy_opened_names_the_appointing_body(start_service) -> None:
    async with start_service("ned") as ned:
        seat = await flows.ned_seat(ned.client, GUYS, NHSE, role="chair")
        vacancy = await flows.ned_vacancy(ned.client, GUYS, seat["id"], GUYS_GOVERNORS)
        async with ned.db.session() as session:
            rows = (
                await session.execute(
                    select(outbox).where(outbox.c.type == "leadership.vacancy.opened.v1")
                )
            ).all()
        (row,) = rows
        assert row.key == GUYS
        assert row.subject == f"vacancies/{vacancy['id']}"
        assert row.payload["appointing_body"] == "council_of_governors"
        assert row.payload["seat_role"] == "chair"
        again = await ned.client.post(
            "/v1/vacancies",
            json={
                "org_code": GUYS,
                "seat_id": seat["id"],
                "reason": "planned_term_end",
                "role_description": "Chair",
                "lcf_domains": flows.LCF_DOMAINS,
                "closing_date": "2099-01-31",
            },
            headers=GUYS_GOVERNORS,
        )
        assert again.status_code == 409  # one campaign per seat at a time


async def test_a_role_description_must_name_every_lcf_domain(start_service) -> None:
    async with start_service("ned") as ned:
        seat = await flows.ned_seat(ned.client, LEEDS, NHSE)
        response = await ned.client.post(
            "/v1/vacancies",
            json={
                "org_code": LEEDS,
                "seat_id": seat["id"],
                "reason": "planned_term_end",
                "role_description": "A NED",
                "lcf_domains": ["LCF-2024-D1", "LCF-2024-D9"],
                "closing_date": "2099-01-31",
                "sift_date": "2098-12-01",
            },
            headers=NHSE,
        )
        assert response.status_code == 422
        paths = [e["path"] for e in response.json()["errors"]]
        assert paths.count("body.lcf_domains") == 6  # five missing, one unknown
        assert "body.sift_date" in paths


async def test_nhs_england_assists_a_foundation_trust_only_when_asked_and_never_decides(
    start_service,
) -> None:
    async with start_service("ned") as ned:
        seat = await flows.ned_seat(ned.client, GUYS, NHSE)
        vacancy = await flows.ned_vacancy(ned.client, GUYS, seat["id"], GUYS_GOVERNORS)
        url = f"/v1/vacancies/{vacancy['id']}"
        # A candidate from NHS England's London pool, which the governors' token cannot reach.
        candidate = await flows.ned_candidate(ned.client, person(), "Y56", NHSE)
        body = {"candidate_id": candidate["id"]}
        before = await ned.client.post(f"{url}/applications", json=body, headers=NHSE_LONDON)
        assert before.status_code == 403
        not_theirs = await move(ned.client, f"{url}/assistance-request", {}, NHSE_LONDON)
        assert not_theirs.status_code == 403  # only the trust asks for help
        asked = await move(ned.client, f"{url}/assistance-request", {}, GUYS_GOVERNORS)
        assert asked.status_code == 200, asked.text
        assert asked.json()["nhse_assistance_requested_at"] is not None
        put_forward = await ned.client.post(f"{url}/applications", json=body, headers=NHSE_LONDON)
        assert put_forward.status_code == 201, put_forward.text
        deciding = await move(ned.client, f"{url}/transitions", {"to": "closed"}, NHSE_LONDON)
        assert deciding.status_code == 403
        closed = await move(ned.client, f"{url}/transitions", {"to": "closed"}, GUYS_GOVERNORS)
        assert closed.status_code == 200
        app_url = f"{url}/applications/{put_forward.json()['id']}"
        assert (
            await move(ned.client, f"{app_url}/steps", {"to": "longlisted"}, NHSE_LONDON)
        ).status_code == 403
        assert (
            await move(ned.client, f"{app_url}/steps", {"to": "longlisted"}, GUYS_GOVERNORS)
        ).status_code == 200


async def test_steps_out_of_order_are_conflicts(start_service) -> None:
    async with start_service("ned") as ned:
        seat = await flows.ned_seat(ned.client, LEEDS, NHSE)
        vacancy = await flows.ned_vacancy(ned.client, LEEDS, seat["id"], NHSE)
        url = f"/v1/vacancies/{vacancy['id']}"
        candidate = await flows.ned_candidate(ned.client, person(), LEEDS, NHSE)
        created = await ned.client.post(
            f"{url}/applications", json={"candidate_id": candidate["id"]}, headers=NHSE
        )
        app_url = f"{url}/applications/{created.json()['id']}"
        early = await move(ned.client, f"{app_url}/steps", {"to": "longlisted"}, NHSE)
        assert early.status_code == 409  # applications are still open
        skip = await move(ned.client, f"{url}/transitions", {"to": "interview"}, NHSE)
        assert skip.status_code == 409
        twice = await ned.client.post(
            f"{url}/applications", json={"candidate_id": candidate["id"]}, headers=NHSE
        )
        assert twice.status_code == 409


async def test_shortlist_diversity_is_disclosure_controlled_and_audited(start_service) -> None:
    async with start_service("ned") as ned:
        seat = await flows.ned_seat(ned.client, GUYS, NHSE)
        vacancy = await flows.ned_vacancy(ned.client, GUYS, seat["id"], GUYS_GOVERNORS)
        url = f"/v1/vacancies/{vacancy['id']}"
        # 20 applicants: 12 women and 8 men; 10 women and 2 men shortlisted.
        applications = []
        for index in range(20):
            candidate = await flows.ned_candidate(ned.client, person(), GUYS, GUYS_GOVERNORS)
            declared = await ned.client.put(
                f"/v1/candidates/{candidate['id']}/protected-characteristics",
                json={
                    "sex": "female" if index < 12 else "male",
                    "ethnic_category": "A" if index % 2 else "M",
                    "disability": "no",
                },
                headers=GUYS_GOVERNORS,
            )
            assert declared.status_code == 200, declared.text
            created = await ned.client.post(
                f"{url}/applications",
                json={"candidate_id": candidate["id"]},
                headers=GUYS_GOVERNORS,
            )
            applications.append((index, created.json()["id"]))
        for stage in ("closed", "sift"):
            await move(ned.client, f"{url}/transitions", {"to": stage}, GUYS_GOVERNORS)
        for index, application_id in applications:
            app_url = f"{url}/applications/{application_id}"
            await move(ned.client, f"{app_url}/steps", {"to": "longlisted"}, GUYS_GOVERNORS)
            if index < 10 or index in (12, 13):
                shortlisted = await move(
                    ned.client, f"{app_url}/steps", {"to": "shortlisted"}, GUYS_GOVERNORS
                )
                assert shortlisted.status_code == 200
            else:
                await move(ned.client, f"{app_url}/steps", {"to": "rejected"}, GUYS_GOVERNORS)

        report = await ned.client.get(f"{url}/shortlist-diversity", headers=GUYS_GOVERNORS)
        assert report.status_code == 200, report.text
        data = report.json()
        assert (data["applicants_total"], data["shortlisted_total"]) == (20, 10)  # 12 → 10
        sex = {
            g["group"]: g
            for d in data["dimensions"]
            if d["dimension"] == "sex"
            for g in d["groups"]
        }
        # 12 women → 10 and 8 men → 10 applicants, rounded to 5.
        assert (sex["female"]["applicants"], sex["male"]["applicants"]) == (10, 10)
        # The 2 shortlisted men are suppressed (1-7), and with the shortlist total shown the
        # women's 10 would give the men's figure away by subtraction: it is hidden too.
        assert sex["male"]["shortlisted"] is None and sex["male"]["suppressed"] is True
        assert sex["female"]["shortlisted"] is None and sex["female"]["suppressed"] is True
        assert sex["male"]["shortlisting_rate"] is None
        assert sex["female"]["shortlisting_rate"] is None
        assert sex["not_declared"] == {
            "group": "not_declared",
            "applicants": 0,
            "shortlisted": 0,
            "suppressed": False,
            "shortlisting_rate": None,
        }
        # Ethnic groups: 10 white and 10 Black applicants, shortlisted 6 Black and 6 white
        # (indexes 0-9 alternate, plus 12 and 13): both suppressed, nothing else to hide.
        ethnicity = {
            g["group"]: g
            for d in data["dimensions"]
            if d["dimension"] == "ethnicity"
            for g in d["groups"]
        }
        assert (ethnicity["white"]["applicants"], ethnicity["black"]["applicants"]) == (10, 10)
        assert ethnicity["white"]["shortlisted"] is None
        assert ethnicity["black"]["shortlisted"] is None
        disability = next(d for d in data["dimensions"] if d["dimension"] == "disability")
        assert {g["group"]: g["applicants"] for g in disability["groups"]}["no"] == 20
        async with ned.db.session() as session:
            audited = (
                await session.scalars(
                    select(RestrictedAccess).where(
                        RestrictedAccess.record_type == "vacancy_diversity"
                    )
                )
            ).all()
        assert [a.record_id for a in audited] == [uuid.UUID(vacancy["id"])]


async def test_opening_a_vacancy_again_with_its_idempotency_key_replays_it(start_service) -> None:
    async with start_service("ned") as ned:
        seat = await flows.ned_seat(ned.client, LEEDS, NHSE)
        body = {
            "org_code": LEEDS,
            "seat_id": seat["id"],
            "reason": "planned_term_end",
            "role_description": "Non-executive director",
            "lcf_domains": flows.LCF_DOMAINS,
            "closing_date": "2099-01-31",
        }
        headers = {**NHSE, "Idempotency-Key": "open-leeds-ned-2099"}
        first = await ned.client.post("/v1/vacancies", json=body, headers=headers)
        again = await ned.client.post("/v1/vacancies", json=body, headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]
        other = await ned.client.post(
            "/v1/vacancies", json={**body, "reason": "resignation"}, headers=headers
        )
        assert other.status_code == 422
        async with ned.db.session() as session:
            opened = (
                await session.execute(
                    select(outbox).where(outbox.c.type == "leadership.vacancy.opened.v1")
                )
            ).all()
        assert len(opened) == 1
