"""Withdrawing feedback requests and recording reminders, over HTTP."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from appraisal.feedback import domain
from appraisal.feedback.service import feedback_summary
from devstack.testing import auth

LEEDS = "RR8"
GUYS = "RJ1"
PROBLEM = "application/problem+json"
WRITER = auth("appraisal:read appraisal:write", org=LEEDS)
READER = auth("appraisal:read", org=LEEDS)
GUYS_WRITER = auth("appraisal:read appraisal:write", org=GUYS)
LCF_ANSWERS = {
    "high_quality_sustainable_outcomes": "often",
    "strategy_and_transformation": "almost_always",
    "equality_and_inclusion": "sometimes",
    "governance_and_assurance": "almost_always",
    "compassionate_just_culture": "often",
    "partners_and_communities": "often",
}


async def open_board_appraisal(client: httpx.AsyncClient, person_id: str) -> str:
    created = await client.post(
        "/v1/appraisals",
        json={
            "person_id": person_id,
            "org_code": LEEDS,
            "appraiser_id": "700001",
            "cycle_year": 2026,
            "board_role": "non_executive",
        },
        headers=WRITER,
    )
    assert created.status_code == 201, created.text
    appraisal_id: str = created.json()["id"]
    return appraisal_id


async def ask(client: httpx.AsyncClient, appraisal_id: str, rater_id: str) -> dict[str, Any]:
    response = await client.post(
        f"/v1/appraisals/{appraisal_id}/feedback-requests",
        json={"category": "board_colleague", "rater_id": rater_id},
        headers=WRITER,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def answer(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/v1/feedback-responses", json={"token": token, "ratings": LCF_ANSWERS}
    )


async def board_colleagues(client: httpx.AsyncClient, appraisal_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/appraisals/{appraisal_id}/feedback", headers=READER)
    assert response.status_code == 200, response.text
    (found,) = [c for c in response.json()["categories"] if c["category"] == "board_colleague"]
    return dict(found)


async def withdraw(
    client: httpx.AsyncClient, appraisal_id: str, request_id: str, etag: str, **headers: str
) -> httpx.Response:
    return await client.post(
        f"/v1/appraisals/{appraisal_id}/feedback-requests/{request_id}/withdrawal",
        json={"reason_code": "conflict_of_interest"},
        headers={**WRITER, **headers, "If-Match": etag},
    )


async def test_a_withdrawn_request_stops_its_link_and_never_counts(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        appraisal_id = await open_board_appraisal(client, "410001")
        asked = [await ask(client, appraisal_id, f"41100{n}") for n in range(1, 5)]
        for request in asked[:3]:
            answered = await answer(client, request["response_token"])
            assert answered.status_code == 201, answered.text
        shown = await board_colleagues(client, appraisal_id)
        assert (shown["requested"], shown["status"], shown["responses"]) == (4, "reported", 3)

        # An answered request and an unanswered one look alike to the requester.
        urls = [
            f"/v1/appraisals/{appraisal_id}/feedback-requests/{request['id']}" for request in asked
        ]
        answered_one = await client.get(urls[0], headers=READER)
        pending_one = await client.get(urls[3], headers=READER)
        assert answered_one.status_code == pending_one.status_code == 200
        assert answered_one.json()["version"] == pending_one.json()["version"] == 1
        assert "status" not in answered_one.json()

        withdrawn = await withdraw(
            client, appraisal_id, asked[0]["id"], answered_one.headers["ETag"]
        )
        assert withdrawn.status_code == 200, withdrawn.text
        assert withdrawn.json()["withdrawn_at"] is not None
        assert withdrawn.json()["withdrawal_reason"] == "conflict_of_interest"

        # Its answer no longer counts: the category falls below the minimum again, and the
        # completion rules see no reported category either.
        after = await board_colleagues(client, appraisal_id)
        assert (after["requested"], after["status"], after["responses"]) == (3, "suppressed", None)
        async with svc.db.session() as session:
            counted = await feedback_summary(session, uuid.UUID(appraisal_id))
        assert counted.responses_total == 2
        assert counted.categories_reported == []

        again = await withdraw(client, appraisal_id, asked[0]["id"], withdrawn.headers["ETag"])
        assert again.status_code == 409
        assert again.headers["content-type"] == PROBLEM
        assert again.json()["rule"] == "feedback.already_withdrawn"
        stale = await withdraw(client, appraisal_id, asked[3]["id"], '"not-the-etag"')
        assert stale.status_code == 412
        no_precondition = await client.post(
            f"{urls[3]}/withdrawal", json={"reason_code": "asked_in_error"}, headers=WRITER
        )
        assert no_precondition.status_code == 428
        bad_reason = await client.post(
            f"{urls[3]}/withdrawal",
            json={"reason_code": "did not like the answer"},
            headers={**WRITER, "If-Match": pending_one.headers["ETag"]},
        )
        assert bad_reason.status_code == 422
        assert bad_reason.headers["content-type"] == PROBLEM

        # The pending one is withdrawn; its link then stops working like an unknown one.
        pulled = await withdraw(client, appraisal_id, asked[3]["id"], pending_one.headers["ETag"])
        assert pulled.status_code == 200, pulled.text
        dead_link = await answer(client, asked[3]["response_token"])
        assert dead_link.status_code == 404
        assert dead_link.headers["content-type"] == PROBLEM
        unknown_link = await answer(client, domain.new_link_token())
        assert dead_link.json()["detail"] == unknown_link.json()["detail"]
        as_rater = await client.post(
            f"{urls[3]}/response",
            json={"ratings": LCF_ANSWERS},
            headers=auth("appraisal:read appraisal:write", org=LEEDS, subject="411004"),
        )
        assert as_rater.status_code == 409
        final = await board_colleagues(client, appraisal_id)
        assert (final["requested"], final["status"]) == (2, "suppressed")

        # Another organisation's token learns nothing.
        other = await withdraw(
            client, appraisal_id, asked[1]["id"], answered_one.headers["ETag"], **GUYS_WRITER
        )
        assert other.status_code == 403
        assert (await client.get(urls[1], headers=GUYS_WRITER)).status_code == 403


async def test_reminders_are_recorded_up_to_the_limit_and_send_nothing(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        appraisal_id = await open_board_appraisal(client, "420001")
        request = await ask(client, appraisal_id, "421001")
        url = f"/v1/appraisals/{appraisal_id}/feedback-requests/{request['id']}/reminders"
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = await client.post(url, headers={**WRITER, **key})
        assert first.status_code == 201, first.text
        assert first.json()["reminders_left"] == domain.MAX_REMINDERS_PER_REQUEST - 1
        assert first.json()["reminded_by"]
        replay = await client.post(url, headers={**WRITER, **key})
        assert replay.status_code == 201
        assert replay.json()["id"] == first.json()["id"]
        lefts = []
        for _ in range(domain.MAX_REMINDERS_PER_REQUEST - 1):
            more = await client.post(url, headers=WRITER)
            assert more.status_code == 201, more.text
            lefts.append(more.json()["reminders_left"])
        assert lefts == list(range(domain.MAX_REMINDERS_PER_REQUEST - 2, -1, -1))
        over = await client.post(url, headers=WRITER)
        assert over.status_code == 409
        assert over.headers["content-type"] == PROBLEM
        assert over.json()["rule"] == "feedback.reminder_limit"

        listed = await client.get(url, params={"limit": 2}, headers=READER)
        assert listed.status_code == 200
        assert len(listed.json()["items"]) == 2
        rest = await client.get(
            url, params={"limit": 2, "cursor": listed.json()["next_cursor"]}, headers=READER
        )
        ids = [r["id"] for r in listed.json()["items"] + rest.json()["items"]]
        assert len(ids) == len(set(ids)) == domain.MAX_REMINDERS_PER_REQUEST
        assert ids[0] == first.json()["id"]

        # A withdrawn request has no link to remind anyone of.
        other = await ask(client, appraisal_id, "421002")
        other_url = f"/v1/appraisals/{appraisal_id}/feedback-requests/{other['id']}"
        fetched = await client.get(other_url, headers=READER)
        pulled = await withdraw(client, appraisal_id, other["id"], fetched.headers["ETag"])
        assert pulled.status_code == 200
        refused = await client.post(f"{other_url}/reminders", headers=WRITER)
        assert refused.status_code == 409
        assert refused.json()["rule"] == "feedback.withdrawn"

        foreign = await client.post(url, headers=GUYS_WRITER)
        assert foreign.status_code == 403
        reader_only = await client.post(url, headers=READER)
        assert reader_only.status_code == 403
        unknown = await client.post(
            f"/v1/appraisals/{appraisal_id}/feedback-requests/{uuid.uuid4()}/reminders",
            headers=WRITER,
        )
        assert unknown.status_code == 404


async def test_the_reminder_limit_holds_when_reminders_arrive_together(
    start_service: Any,
) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        appraisal_id = await open_board_appraisal(client, "430001")
        request = await ask(client, appraisal_id, "431001")
        url = f"/v1/appraisals/{appraisal_id}/feedback-requests/{request['id']}/reminders"
        for _ in range(domain.MAX_REMINDERS_PER_REQUEST - 1):
            assert (await client.post(url, headers=WRITER)).status_code == 201
        racing = await asyncio.gather(*(client.post(url, headers=WRITER) for _ in range(4)))
        assert sorted(r.status_code for r in racing) == [201, 409, 409, 409]
        listed = await client.get(url, headers=READER)
        assert len(listed.json()["items"]) == domain.MAX_REMINDERS_PER_REQUEST


async def test_a_cancelled_appraisals_feedback_can_no_longer_be_withdrawn_or_reminded(
    start_service: Any,
) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        created = await client.post(
            "/v1/appraisals",
            json={
                "person_id": "440001",
                "org_code": LEEDS,
                "appraiser_id": "700001",
                "cycle_year": 2026,
            },
            headers=WRITER,
        )
        assert created.status_code == 201, created.text
        appraisal_id = created.json()["id"]
        request = await ask(client, appraisal_id, "441001")
        url = f"/v1/appraisals/{appraisal_id}/feedback-requests/{request['id']}"
        etag = (await client.get(url, headers=READER)).headers["ETag"]
        cancelled = await client.post(
            f"/v1/appraisals/{appraisal_id}/transitions",
            json={"to": "cancelled", "cancel_reason": "duplicate"},
            headers={**WRITER, "If-Match": created.headers["ETag"]},
        )
        assert cancelled.status_code == 200, cancelled.text
        closed = await withdraw(client, appraisal_id, request["id"], etag)
        assert closed.status_code == 409
        assert closed.json()["status_now"] == "cancelled"
        reminded = await client.post(f"{url}/reminders", headers=WRITER)
        assert reminded.status_code == 409


def test_reminder_rules() -> None:
    now = datetime(2026, 11, 22, 9, tzinfo=UTC)
    later = now + timedelta(days=1)
    pending = domain.RequestStatus.PENDING
    domain.check_reminder(status=pending, reminders_so_far=0, expires_at=later, now=now)
    # An answered request may be reminded: refusing would tell who answered.
    domain.check_reminder(
        status=domain.RequestStatus.RESPONDED, reminders_so_far=2, expires_at=later, now=now
    )
    cases = [
        (pending, domain.MAX_REMINDERS_PER_REQUEST, later, "feedback.reminder_limit"),
        (pending, 0, now, "feedback.link_expired"),
        (domain.RequestStatus.WITHDRAWN, 0, later, "feedback.withdrawn"),
    ]
    for status, so_far, expires_at, rule in cases:
        with pytest.raises(domain.FollowUpRefused) as refused:
            domain.check_reminder(
                status=status, reminders_so_far=so_far, expires_at=expires_at, now=now
            )
        assert refused.value.rule == rule
    with pytest.raises(domain.FollowUpRefused):
        domain.check_withdrawal(status=domain.RequestStatus.WITHDRAWN)
    domain.check_withdrawal(status=domain.RequestStatus.RESPONDED)
