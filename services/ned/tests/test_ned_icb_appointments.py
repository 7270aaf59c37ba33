"""ICB boards over HTTP: NHS England appoints an ICB's chair; the ICB itself, its chair acting
for the board with a ``ned:govern`` token bound to the ICB, appoints its non-executive and
partner members (a provisional rule, decision 0014)."""

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from devstack import flows
from devstack.testing import auth
from shared.tables import outbox

NHSE = auth("ned:read ned:write ned:appoint national")
NHSE_NEY = auth("ned:read ned:write ned:appoint", region="Y63")
WEST_YORKSHIRE_ICB = auth("ned:read ned:write ned:govern", org="QWO")
HUMBER_ICB = auth("ned:read ned:write ned:govern", org="QOQ")  # a neighbouring ICB
WEST_YORKSHIRE_STAFF = auth("ned:read ned:write", org="QWO")  # no ned:govern
ICB = "QWO"  # NHS West Yorkshire Integrated Care Board (North East and Yorkshire)


def person() -> str:
    return "I" + uuid.uuid4().hex[:9].upper()


async def move(
    ned: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    """POST a step with the resource's current ETag."""
    current = await ned.get(url.rsplit("/", 1)[0], headers=NHSE)
    assert current.status_code == 200, current.text
    return await ned.post(url, json=body, headers={**headers, "If-Match": current.headers["ETag"]})


def refused(response: httpx.Response) -> bool:
    """403, or 404 for a token that does not reach the ICB at all (refusals disclose nothing)."""
    return (
        response.status_code in (403, 404)
        and response.headers["content-type"] == "application/problem+json"
    )


async def decide_campaign(
    ned: httpx.AsyncClient,
    role: str,
    deciding: dict[str, str],
    others: list[dict[str, str]],
) -> dict[str, Any]:
    """An ICB seat of ``role`` taken from vacancy to a pending appointment by ``deciding``;
    every token in ``others`` is refused at every step on the way."""
    seat = await flows.ned_seat(ned, ICB, NHSE, role=role)
    assert seat["appointing_body"] == ("nhs_england" if role == "chair" else "icb")
    opening = {
        "org_code": ICB,
        "seat_id": seat["id"],
        "reason": "planned_term_end",
        "role_description": "A member of the board of the integrated care board.",
        "lcf_domains": flows.LCF_DOMAINS,
        "closing_date": "2099-01-31",
    }
    for other in others:
        assert refused(await ned.post("/v1/vacancies", json=opening, headers=other))
    vacancy = await flows.ned_vacancy(ned, ICB, seat["id"], deciding)
    url = f"/v1/vacancies/{vacancy['id']}"
    candidate = await flows.ned_candidate(ned, person(), ICB, NHSE)
    for other in others:
        assert refused(
            await ned.post(
                f"{url}/applications", json={"candidate_id": candidate["id"]}, headers=other
            )
        )
    application = await ned.post(
        f"{url}/applications", json={"candidate_id": candidate["id"]}, headers=deciding
    )
    assert application.status_code == 201, application.text
    app_url = f"{url}/applications/{application.json()['id']}"

    async def campaign(stage: str) -> None:
        for other in others:
            assert refused(await move(ned, f"{url}/transitions", {"to": stage}, other))
        moved = await move(ned, f"{url}/transitions", {"to": stage}, deciding)
        assert moved.status_code == 200, moved.text

    async def step(body: dict[str, Any]) -> httpx.Response:
        for other in others:
            assert refused(await move(ned, f"{app_url}/steps", body, other))
        stepped = await move(ned, f"{app_url}/steps", body, deciding)
        assert stepped.status_code == 200, stepped.text
        return stepped

    await campaign("closed")
    await campaign("sift")
    await step({"to": "longlisted"})
    await step({"to": "shortlisted"})
    await campaign("interview")
    await step({"to": "interviewed"})
    await step({"to": "recommended"})
    await campaign("decision")
    appointed = await step(
        {"to": "appointed", "term_start": "2099-04-01", "term_end": "2102-03-31"}
    )
    appointment = await ned.get(
        f"/v1/appointments/{appointed.json()['appointment_id']}", headers=NHSE
    )
    assert appointment.json()["status"] == "pending_fppt"
    assert appointment.json()["person_id"] == candidate["person_id"]
    result: dict[str, Any] = appointment.json()
    return result


async def outbox_payloads(ned: Any, event_type: str) -> list[dict[str, Any]]:
    async with ned.db.session() as session:
        rows = (await session.execute(select(outbox).where(outbox.c.type == event_type))).all()
    return [dict(row.payload) for row in rows]


async def test_an_icb_ned_vacancy_is_decided_by_the_icb_not_nhs_england(start_service) -> None:
    async with start_service("ned") as ned:
        appointment = await decide_campaign(
            ned.client,
            "non_executive",
            WEST_YORKSHIRE_ICB,
            [NHSE, NHSE_NEY, HUMBER_ICB, WEST_YORKSHIRE_STAFF],
        )
        assert appointment["appointing_body"] == "icb"
        steps = await ned.client.get(
            f"/v1/vacancies/{appointment['vacancy_id']}/campaign-steps", headers=NHSE
        )
        assert {s["acting_body"] for s in steps.json()["items"]} == {"icb"}
        (opened,) = await outbox_payloads(ned, "leadership.vacancy.opened.v1")
        assert opened["appointing_body"] == "icb"

        # The ICB's own token cannot ask NHS England to assist: that is a governors' request.
        vacancy_url = f"/v1/vacancies/{appointment['vacancy_id']}"
        assist = await move(ned.client, f"{vacancy_url}/assistance-request", {}, WEST_YORKSHIRE_ICB)
        assert assist.status_code == 409
        assert assist.headers["content-type"] == "application/problem+json"

        await flows.pass_appointment_fppt(ned.client, appointment, WEST_YORKSHIRE_ICB)
        (appointed,) = await outbox_payloads(ned, "leadership.ned.appointed.v1")
        assert appointed["appointment_id"] == appointment["id"]
        assert appointed["appointing_body"] == "icb"
        assert appointed["seat_role"] == "non_executive"


async def test_an_icb_chair_vacancy_is_decided_by_nhs_england_not_the_icb(
    start_service,
) -> None:
    async with start_service("ned") as ned:
        appointment = await decide_campaign(
            ned.client, "chair", NHSE_NEY, [WEST_YORKSHIRE_ICB, HUMBER_ICB, WEST_YORKSHIRE_STAFF]
        )
        assert appointment["appointing_body"] == "nhs_england"
        assert appointment["seat_role"] == "chair"


async def test_icb_partner_members_are_appointed_by_the_icb(start_service) -> None:
    async with start_service("ned") as ned:
        seat = await flows.ned_seat(ned.client, ICB, NHSE, role="partner_member")
        body = {
            "org_code": ICB,
            "seat_id": seat["id"],
            "person_id": person(),
            "term_start": "2027-04-01",
            "term_end": "2030-03-31",
        }
        for other in (NHSE, HUMBER_ICB, WEST_YORKSHIRE_STAFF):
            response = await ned.client.post("/v1/appointments", json=body, headers=other)
            assert response.status_code == 403, response.text
            assert response.headers["content-type"] == "application/problem+json"
        made = await ned.client.post("/v1/appointments", json=body, headers=WEST_YORKSHIRE_ICB)
        assert made.status_code == 201, made.text
        assert made.json()["appointing_body"] == "icb"
        assert made.json()["status"] == "pending_fppt"

        # Executives are the employer's appointments: no body here decides them.
        executive = await flows.ned_seat(ned.client, ICB, NHSE, role="executive")
        assert executive["appointing_body"] is None
        response = await ned.client.post(
            "/v1/appointments",
            json={**body, "seat_id": executive["id"], "person_id": person()},
            headers=WEST_YORKSHIRE_ICB,
        )
        assert response.status_code == 422
