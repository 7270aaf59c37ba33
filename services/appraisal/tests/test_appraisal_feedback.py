"""Multi-source feedback over HTTP: requests, single-use links, aggregate-only results."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from appraisal.feedback import domain
from appraisal.feedback.models import FeedbackRequest
from appraisal.feedback.service import feedback_summary
from devstack import flows
from devstack.testing import auth

LEEDS = "RR8"
GUYS = "RJ1"
PROBLEM = "application/problem+json"
WRITER = auth("appraisal:read appraisal:write", org=LEEDS)
READER = auth("appraisal:read", org=LEEDS)
LCF_ANSWERS = {
    "high_quality_sustainable_outcomes": "often",
    "strategy_and_transformation": "almost_always",
    "equality_and_inclusion": "sometimes",
    "governance_and_assurance": "almost_always",
    "compassionate_just_culture": "often",
    "partners_and_communities": "no_chance_to_demonstrate",
}


async def open_board_appraisal(client: httpx.AsyncClient, person_id: str) -> str:
    """A non-executive director's appraisal, through the appraisals API."""
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


async def ask(
    client: httpx.AsyncClient, appraisal_id: str, category: str, rater_id: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"category": category}
    if rater_id is not None:
        body["rater_id"] = rater_id
    response = await client.post(
        f"/v1/appraisals/{appraisal_id}/feedback-requests", json=body, headers=WRITER
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def answer_by_link(client: httpx.AsyncClient, token: str, **ratings: str) -> httpx.Response:
    # No Authorization header: the link token is the credential.
    return await client.post(
        "/v1/feedback-responses", json={"token": token, "ratings": {**LCF_ANSWERS, **ratings}}
    )


async def summary_of(client: httpx.AsyncClient, appraisal_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/appraisals/{appraisal_id}/feedback", headers=READER)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def category(summary: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [c for c in summary["categories"] if c["category"] == name]
    return found


async def test_board_feedback_is_shown_only_from_three_responses(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        appraisal_id = await open_board_appraisal(client, "500101")
        colleagues = [
            await ask(client, appraisal_id, "board_colleague", rater_id)
            for rater_id in ("500201", "500202", "500203")
        ]
        governors = [await ask(client, appraisal_id, "governor") for _ in range(2)]
        assert colleagues[0]["questions"] == domain.questions_for(board=True)

        # Two colleagues and one governor answer by link: every category is below three.
        for request in (*colleagues[:2], governors[0]):
            answered = await answer_by_link(client, request["response_token"])
            assert answered.status_code == 201, answered.text
        below = await summary_of(client, appraisal_id)
        for name in ("board_colleague", "governor"):
            shown = category(below, name)
            assert shown["status"] == "suppressed"
            assert shown["responses"] is None and shown["mean_by_question"] is None
        assert below["responses_reported"] == 0
        assert set(below["overall_mean_by_question"].values()) == {None}
        async with svc.db.session() as session:
            counted = await feedback_summary(session, uuid.UUID(appraisal_id))
        assert counted.responses_total == 3
        assert counted.categories_reported == []

        # The third colleague answers signed in, through the API, as the named rater.
        as_rater = await client.post(
            f"/v1/appraisals/{appraisal_id}/feedback-requests/{colleagues[2]['id']}/response",
            json={"ratings": {**LCF_ANSWERS, "strategy_and_transformation": "sometimes"}},
            headers=auth("appraisal:read appraisal:write", org=LEEDS, subject="500203"),
        )
        assert as_rater.status_code == 201, as_rater.text
        above = await summary_of(client, appraisal_id)
        colleagues_shown = category(above, "board_colleague")
        assert colleagues_shown["status"] == "reported"
        assert colleagues_shown["responses"] == 3
        means = colleagues_shown["mean_by_question"]
        assert means["strategy_and_transformation"] == round((4 + 4 + 2) / 3, 2)
        assert means["governance_and_assurance"] == 4.0
        # "No chance to demonstrate" is not a score, so nothing is averaged for it.
        assert means["partners_and_communities"] is None
        assert category(above, "governor")["status"] == "suppressed"
        assert category(above, "governor")["responses"] is None
        # The overall figures come from reported categories only, so they cannot be set
        # against the reported ones to recover the governor's answers.
        assert above["responses_reported"] == 3
        assert above["overall_mean_by_question"] == means
        async with svc.db.session() as session:
            counted = await feedback_summary(session, uuid.UUID(appraisal_id))
        assert counted.responses_total == 4
        assert counted.categories_reported == ["board_colleague"]


async def test_links_are_single_use_and_tokens_are_kept_only_as_digests(
    start_service: Any,
) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        appraisal_id = await open_board_appraisal(client, "500102")
        request = await ask(client, appraisal_id, "peer", "500301")
        token = request["response_token"]
        assert len(token) >= 40

        first = await answer_by_link(client, token)
        assert first.status_code == 201, first.text
        again = await answer_by_link(client, token)
        assert again.status_code == 409
        assert again.headers["content-type"] == PROBLEM
        unknown = await answer_by_link(client, domain.new_link_token())
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == PROBLEM

        async with svc.db.session() as session:
            stored = await session.scalar(
                select(FeedbackRequest).where(FeedbackRequest.id == uuid.UUID(request["id"]))
            )
        assert stored is not None
        assert stored.token_hash == domain.token_digest(token)
        assert token not in stored.token_hash

        # A link past its expiry date is refused, and says so to the holder of the token.
        late = await ask(client, appraisal_id, "peer", "500302")
        async with svc.db.session() as session, session.begin():
            await session.execute(
                update(FeedbackRequest)
                .where(FeedbackRequest.id == uuid.UUID(late["id"]))
                .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
            )
        expired = await answer_by_link(client, late["response_token"])
        assert expired.status_code == 409
        assert "expired" in expired.json()["detail"]

        # Listing the requests shows who was asked, never whether they answered, nor the token.
        listed = await client.get(
            f"/v1/appraisals/{appraisal_id}/feedback-requests", headers=READER
        )
        assert listed.status_code == 200
        items = listed.json()["items"]
        assert [item["rater_id"] for item in items] == ["500301", "500302"]
        assert all("status" not in item and "response_token" not in item for item in items)


async def test_feedback_is_closed_once_the_appraisal_is_completed(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        open_appraisal = await open_board_appraisal(client, "500105")
        pending = await ask(client, open_appraisal, "peer", "500601")
        completed = await flows.complete_appraisal(client, "500106", WRITER, org_code=LEEDS)
        refused = await client.post(
            f"/v1/appraisals/{completed['id']}/feedback-requests",
            json={"category": "peer"},
            headers=WRITER,
        )
        assert refused.status_code == 409
        assert refused.headers["content-type"] == PROBLEM
        assert refused.json()["status_now"] == "completed"
        # The pending link of the open appraisal still works.
        assert (await answer_by_link(client, pending["response_token"])).status_code == 201


async def test_bad_feedback_is_refused_with_a_problem(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        appraisal_id = await open_board_appraisal(client, "500103")
        url = f"/v1/appraisals/{appraisal_id}/feedback-requests"

        self_rating = await client.post(
            url, json={"category": "peer", "rater_id": "500103"}, headers=WRITER
        )
        assert self_rating.status_code == 422
        assert self_rating.json()["errors"][0]["path"] == "body.rater_id"
        unknown_category = await client.post(url, json={"category": "friend"}, headers=WRITER)
        assert unknown_category.status_code == 422
        assert unknown_category.headers["content-type"] == PROBLEM

        request = await ask(client, appraisal_id, "stakeholder", "500401")
        twice = await client.post(
            url, json={"category": "peer", "rater_id": "500401"}, headers=WRITER
        )
        assert twice.status_code == 409

        # Staff-value answers on a board appraisal: each wrong and missing code is named.
        wrong = await client.post(
            "/v1/feedback-responses",
            json={"token": request["response_token"], "ratings": {"compassion": "often"}},
        )
        assert wrong.status_code == 422
        paths = {error["path"] for error in wrong.json()["errors"]}
        assert "body.ratings.compassion" in paths
        assert "body.ratings.governance_and_assurance" in paths
        # The refused answer did not use up the link.
        assert (await answer_by_link(client, request["response_token"])).status_code == 201

        other = await ask(client, appraisal_id, "peer", "500402")
        not_the_rater = await client.post(
            f"{url}/{other['id']}/response",
            json={"ratings": LCF_ANSWERS},
            headers=auth("appraisal:read appraisal:write", org=LEEDS, subject="500499"),
        )
        assert not_the_rater.status_code == 403

        foreign = auth("appraisal:read appraisal:write", org=GUYS)
        for response in (
            await client.get(f"/v1/appraisals/{appraisal_id}/feedback", headers=foreign),
            await client.get(url, headers=foreign),
            await client.post(url, json={"category": "peer"}, headers=foreign),
        ):
            assert response.status_code == 403
            assert response.headers["content-type"] == PROBLEM
            assert LEEDS not in response.text


async def test_the_minimum_number_of_responses_is_configurable(start_service: Any) -> None:
    async with start_service("appraisal", feedback_minimum_responses=2) as svc:
        client = svc.client
        appraisal_id = await open_board_appraisal(client, "500104")
        for rater_id in ("500501", "500502"):
            request = await ask(client, appraisal_id, "peer", rater_id)
            assert (await answer_by_link(client, request["response_token"])).status_code == 201
        summary = await summary_of(client, appraisal_id)
        assert summary["minimum_responses"] == 2
        assert category(summary, "peer")["status"] == "reported"
        assert category(summary, "peer")["responses"] == 2


def test_a_category_below_the_minimum_shows_no_numbers() -> None:
    questions = domain.questions_for(board=True)
    answer = dict.fromkeys(questions, "often")
    summary = domain.summarise(
        requested_by_category={"peer": 3, "governor": 2},
        responses_by_category={"peer": [answer] * 3, "governor": [answer] * 2},
        questions=questions,
        minimum_responses=3,
    )
    by_category = {result.category: result for result in summary.categories}
    assert by_category["peer"].reported and by_category["peer"].responses == 3
    assert by_category["governor"].reported is False
    assert by_category["governor"].responses is None
    assert by_category["governor"].mean_by_question is None
    assert summary.responses_reported == 3


def test_rating_problems_name_every_wrong_and_missing_question() -> None:
    staff_questions = domain.questions_for(board=False)
    complete = dict.fromkeys(staff_questions, "often")
    assert domain.rating_problems(complete, board=False) == []
    problems = dict(domain.rating_problems({"compassion": "often", "x": "often"}, board=False))
    assert "x" in problems
    assert set(staff_questions) - {"compassion"} <= set(problems)


def test_link_tokens_are_unguessable_and_digested() -> None:
    tokens = {domain.new_link_token() for _ in range(100)}
    assert len(tokens) == 100
    token = tokens.pop()
    assert domain.token_digest(token) == domain.token_digest(token)
    assert len(domain.token_digest(token)) == 64
