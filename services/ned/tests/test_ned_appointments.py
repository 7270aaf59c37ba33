"""Appointments over HTTP: pending until the fit and proper person test passes, the nine-year
tenure limit and NHS England's extensions, ending terms, and the term-end forecast."""

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from devstack import flows
from devstack.testing import auth
from shared.tables import outbox

NHSE = auth("ned:read ned:write ned:appoint national")
NHSE_NEY = auth("ned:read ned:write ned:appoint", region="Y63")  # North East and Yorkshire
LEEDS_TRUST = auth("ned:read ned:write ned:appoint", org="RR8")  # the trust's own token
GUYS_GOVERNORS = auth("ned:read ned:write ned:govern", org="RJ1")
CHECKED = ("2026-11-01", "HR file 2026/42")
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


def person() -> str:
    return "N" + uuid.uuid4().hex[:9].upper()


def _checks(failing: str | None = None) -> list[dict[str, Any]]:
    return [
        {
            "check": check,
            "result": "unsatisfactory" if check == failing else "satisfactory",
            "checked_on": CHECKED[0],
            "evidence_location": CHECKED[1],
            **({"years_covered": 6} if check == "references" else {}),
        }
        for check in FPPT_CHECKS
    ]


async def fppt(
    ned: httpx.AsyncClient,
    appointment: dict[str, Any],
    headers: dict[str, str],
    *,
    failing: str | None = None,
) -> dict[str, Any]:
    """The appointment's fit and proper person test, recorded and signed off through the
    service's FPPT API (which is what makes an appointment take effect)."""
    created = await ned.post(
        "/v1/fppt/assessments",
        json={
            "person_id": appointment["person_id"],
            "org_code": appointment["org_code"],
            "kind": "appointment",
            "subject_role": appointment["seat_role"],
            "appointment_id": appointment["id"],
            "checks": _checks(failing),
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    role = "senior_independent_director" if appointment["seat_role"] == "chair" else "chair"
    signed = await ned.post(
        f"/v1/fppt/assessments/{created.json()['id']}/sign-off",
        json={"signed_off_by": "SIGNER01", "signed_off_by_role": role},
        headers={**headers, "If-Match": created.headers["ETag"]},
    )
    assert signed.status_code == 200, signed.text
    result: dict[str, Any] = signed.json()
    return result


async def events_of(ned: Any, event_type: str) -> list[dict[str, Any]]:
    async with ned.db.session() as session:
        rows = (await session.execute(select(outbox).where(outbox.c.type == event_type))).all()
    return [dict(row.payload) for row in rows]


async def test_an_appointment_stays_pending_until_its_fppt_passes(start_service) -> None:
    async with start_service("ned") as ned:
        seat = await flows.ned_seat(ned.client, "RR8", NHSE)
        someone = person()
        appointment = await flows.ned_appointment(ned.client, "RR8", seat["id"], someone, NHSE)
        assert appointment["status"] == "pending_fppt"
        assert appointment["appointing_body"] == "nhs_england"
        assert appointment["term_number"] == 1
        board = (await ned.client.get("/v1/boards/RR8", headers=NHSE)).json()
        assert [s["holder_person_id"] for s in board["seats"]] == [None]

        failed = await fppt(ned.client, appointment, NHSE, failing="disqualified_directors")
        assert failed["outcome"] == "fail"
        still = await ned.client.get(f"/v1/appointments/{appointment['id']}", headers=NHSE)
        assert still.json()["status"] == "pending_fppt"
        assert await events_of(ned, "leadership.ned.appointed.v1") == []

        passed = await fppt(ned.client, appointment, NHSE)
        assert passed["outcome"] == "pass"
        active = (
            await ned.client.get(f"/v1/appointments/{appointment['id']}", headers=NHSE)
        ).json()
        assert active["status"] == "active"
        assert active["appointed_at"] is not None
        board = (await ned.client.get("/v1/boards/RR8", headers=NHSE)).json()
        assert [s["holder_person_id"] for s in board["seats"]] == [someone]
        (event,) = await events_of(ned, "leadership.ned.appointed.v1")
        assert event["appointment_id"] == appointment["id"]
        assert event["person_id"] == someone
        assert event["seat_role"] == "non_executive"
        assert event["appointing_body"] == "nhs_england"
        assert (event["term_start"], event["term_end"], event["term_number"]) == (
            "2027-04-01",
            "2030-03-31",
            1,
        )


async def test_only_the_appointing_body_appoints(start_service) -> None:
    async with start_service("ned") as ned:
        leeds_seat = await flows.ned_seat(ned.client, "RR8", NHSE)
        guys_seat = await flows.ned_seat(ned.client, "RJ1", NHSE)
        body = {"person_id": person(), "term_start": "2027-04-01", "term_end": "2030-03-31"}

        async def appoint(org: str, seat: dict[str, Any], headers: dict[str, str]) -> int:
            response = await ned.client.post(
                "/v1/appointments",
                json={**body, "org_code": org, "seat_id": seat["id"]},
                headers=headers,
            )
            if response.status_code != 201:
                assert response.headers["content-type"] == "application/problem+json"
            return response.status_code

        # An NHS trust: NHS England (national or its region), not the trust itself.
        assert await appoint("RR8", leeds_seat, LEEDS_TRUST) == 403
        assert await appoint("RR8", leeds_seat, NHSE_NEY) == 201
        # A foundation trust: its governors, never NHS England.
        assert await appoint("RJ1", guys_seat, NHSE) == 403
        assert await appoint("RJ1", guys_seat, GUYS_GOVERNORS) == 201


async def test_a_nine_year_tenure_is_blocked_until_an_extension_is_recorded(
    start_service,
) -> None:
    async with start_service("ned") as ned:
        seat = await flows.ned_seat(ned.client, "RR8", NHSE)
        veteran = person()
        for start, end in (("2015-04-01", "2019-03-31"), ("2019-04-01", "2023-03-31")):
            past = await ned.client.post(
                "/v1/past-terms",
                json={
                    "org_code": "RR8",
                    "seat_id": seat["id"],
                    "person_id": veteran,
                    "term_start": start,
                    "term_end": end,
                },
                headers=NHSE,
            )
            assert past.status_code == 201, past.text
        assert past.json()["status"] == "ended" and past.json()["term_number"] == 2
        # Eight years served; three more would make eleven.
        third = {
            "org_code": "RR8",
            "seat_id": seat["id"],
            "person_id": veteran,
            "term_start": "2027-04-01",
            "term_end": "2030-03-31",
        }
        blocked = await ned.client.post("/v1/appointments", json=third, headers=NHSE)
        assert blocked.status_code == 409, blocked.text
        assert blocked.headers["content-type"] == "application/problem+json"
        assert blocked.json()["beyond_nine_years"] is True
        assert "extension" in blocked.json()["detail"]

        extension = {
            "org_code": "RR8",
            "person_id": veteran,
            "extends_to": "2030-03-31",
            "reason_code": "board_stability",
        }
        refused = await ned.client.post(
            "/v1/tenure-extensions",
            json=extension,
            headers=auth("ned:read ned:write ned:appoint", org="RR8"),
        )
        assert refused.status_code == 403
        agreed = await ned.client.post("/v1/tenure-extensions", json=extension, headers=NHSE_NEY)
        assert agreed.status_code == 201, agreed.text

        allowed = await ned.client.post("/v1/appointments", json=third, headers=NHSE)
        assert allowed.status_code == 201, allowed.text
        assert allowed.json()["extension_id"] == agreed.json()["id"]
        assert allowed.json()["term_number"] == 3
        tenure = await ned.client.get(
            f"/v1/appointments/{allowed.json()['id']}/tenure", headers=NHSE
        )
        assert tenure.status_code == 200
        assert tenure.json()["beyond_nine_years"] is True
        assert tenure.json()["rigorous_review_required"] is True
        assert tenure.json()["served_years"] == 11.0
        assert tenure.json()["extension_id"] == agreed.json()["id"]


async def test_ending_a_term_frees_the_seat_and_publishes(start_service) -> None:
    async with start_service("ned") as ned:
        seat = await flows.ned_seat(ned.client, "RR8", NHSE)
        someone = person()
        appointment = await flows.ned_appointment(ned.client, "RR8", seat["id"], someone, NHSE)
        await fppt(ned.client, appointment, NHSE)
        url = f"/v1/appointments/{appointment['id']}"
        current = await ned.client.get(url, headers=NHSE)
        end = {"ended_on": "2028-06-30", "reason_code": "resigned"}
        missing = await ned.client.post(f"{url}/end", json=end, headers=NHSE)
        assert missing.status_code == 428
        removal = await ned.client.post(
            f"{url}/end",
            json={**end, "reason_code": "removed"},
            headers={**LEEDS_TRUST, "If-Match": current.headers["ETag"]},
        )
        assert removal.status_code == 403  # removing is NHS England's decision here
        ended = await ned.client.post(
            f"{url}/end", json=end, headers={**LEEDS_TRUST, "If-Match": current.headers["ETag"]}
        )
        assert ended.status_code == 200, ended.text
        assert ended.json()["status"] == "ended"
        stale = await ned.client.post(
            f"{url}/end", json=end, headers={**NHSE, "If-Match": current.headers["ETag"]}
        )
        assert stale.status_code == 412
        board = (await ned.client.get("/v1/boards/RR8", headers=NHSE)).json()
        assert board["seats"][0]["holder_person_id"] is None
        (event,) = await events_of(ned, "leadership.ned.term.ended.v1")
        assert event["person_id"] == someone
        assert (event["ended_on"], event["reason_code"]) == ("2028-06-30", "resigned")
        # The seat is free again for a successor.
        successor = await flows.ned_appointment(
            ned.client,
            "RR8",
            seat["id"],
            person(),
            NHSE,
            term_start="2028-07-01",
            term_end="2031-06-30",
        )
        assert successor["status"] == "pending_fppt"


async def test_a_live_term_holds_its_seat(start_service) -> None:
    async with start_service("ned") as ned:
        seat = await flows.ned_seat(ned.client, "RR8", NHSE)
        await flows.ned_appointment(ned.client, "RR8", seat["id"], person(), NHSE)
        overlapping = await ned.client.post(
            "/v1/appointments",
            json={
                "org_code": "RR8",
                "seat_id": seat["id"],
                "person_id": person(),
                "term_start": "2029-01-01",
                "term_end": "2031-12-31",
            },
            headers=NHSE,
        )
        assert overlapping.status_code == 409
        too_long = await ned.client.post(
            "/v1/appointments",
            json={
                "org_code": "RR8",
                "seat_id": seat["id"],
                "person_id": person(),
                "term_start": "2031-01-01",
                "term_end": "2036-12-31",
            },
            headers=NHSE,
        )
        assert too_long.status_code == 422
        assert too_long.json()["errors"][0]["path"] == "body.term_end"


async def test_term_end_forecast_over_seeded_boards(start_service) -> None:
    async with start_service("ned") as ned:
        terms = {
            # org, governing headers, term end: within 6, 12 and 18 months of 2027-01-01 ...
            ("RR8", "2027-03-31"),
            ("RR8", "2027-12-31"),
            ("RR8", "2029-03-31"),  # ... and beyond
            ("RXF", "2028-06-30"),
            ("RJ1", "2027-06-30"),
        }
        for org, term_end in sorted(terms):
            headers = GUYS_GOVERNORS if org == "RJ1" else NHSE
            seat = await flows.ned_seat(ned.client, org, NHSE)
            start = f"{int(term_end[:4]) - 3}{term_end[4:]}"
            appointment = await flows.ned_appointment(
                ned.client,
                org,
                seat["id"],
                person(),
                headers,
                term_start=start,
                term_end=term_end,
            )
            await fppt(ned.client, appointment, headers)
        # A pending appointment is not a term in force yet: not forecast.
        pending_seat = await flows.ned_seat(ned.client, "RR8", NHSE)
        await flows.ned_appointment(
            ned.client, "RR8", pending_seat["id"], person(), NHSE, term_end="2027-05-31"
        )

        figures = ("overdue", "within_6_months", "within_12_months", "within_18_months")
        as_of = {"as_of": "2027-01-01"}

        async def forecast(path: str, headers: dict[str, str], **params: str) -> Any:
            response = await ned.client.get(path, params={**as_of, **params}, headers=headers)
            assert response.status_code == 200, response.text
            return response.json()

        leeds = await forecast("/v1/boards/RR8/term-end-forecast", NHSE)
        assert [leeds[f] for f in figures] == [0, 1, 2, 2]
        assert leeds["active_terms"] == 3
        guys = await forecast("/v1/boards/RJ1/term-end-forecast", GUYS_GOVERNORS)
        assert [guys[f] for f in figures] == [0, 1, 1, 1]

        north_east = await forecast("/v1/regions/Y63/term-end-forecast", NHSE_NEY)
        boards = {b["org_code"]: b for b in north_east["boards"]}
        assert set(boards) == {"RR8", "RXF"}
        assert [boards["RXF"][f] for f in figures] == [0, 0, 0, 1]
        assert [north_east[f] for f in figures] == [0, 1, 2, 3]
        assert north_east["active_terms"] == 4
        london = await forecast("/v1/regions/Y56/term-end-forecast", NHSE)
        assert [b["org_code"] for b in london["boards"]] == ["RJ1"]

        later = await forecast("/v1/boards/RR8/term-end-forecast", NHSE, as_of="2027-07-01")
        assert later["overdue"] == 1  # ended 31 March, still recorded in post

        # A region's forecast shows only the boards within the token's reach.
        other_region = await ned.client.get("/v1/regions/Y56/term-end-forecast", headers=NHSE_NEY)
        assert other_region.status_code == 403
        trust_in_region = await forecast("/v1/regions/Y63/term-end-forecast", LEEDS_TRUST)
        assert [b["org_code"] for b in trust_in_region["boards"]] == ["RR8"]
        assert [trust_in_region[f] for f in figures] == [0, 1, 2, 2]  # Leeds alone
        trust_elsewhere = await ned.client.get(
            "/v1/regions/Y56/term-end-forecast", headers=LEEDS_TRUST
        )
        assert trust_elsewhere.status_code == 403
        not_a_region = await ned.client.get("/v1/regions/Y99/term-end-forecast", headers=NHSE)
        assert not_a_region.status_code == 404
