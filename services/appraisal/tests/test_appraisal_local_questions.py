"""Local questions made required or retired, over HTTP: completion waits for a required answer,
a retired question stays on the appraisals that answered it and is not asked in new ones."""

import uuid
from typing import Any

import httpx

from appraisal.templates import domain
from devstack.testing import auth

LEEDS = "RR8"
GUYS = "RJ1"
PROBLEM = "application/problem+json"
ADMIN = auth("appraisal:read appraisal:write appraisal:admin", org=LEEDS)
WRITER = auth("appraisal:read appraisal:write", org=LEEDS)
GUYS_ADMIN = auth("appraisal:read appraisal:write appraisal:admin", org=GUYS)
QUESTIONS = f"/v1/organisations/{LEEDS}/local-questions"

CONTENT: dict[str, Any] = {
    "objectives": [
        {"title": "Cut outpatient waits in dermatology", "weight": 100, "outcome": "meets"}
    ],
    "performance_outcome": "meets",
    "behaviour_outcome": "meets",
    "behaviour_scores": {
        "working_together_for_patients": "often",
        "respect_and_dignity": "often",
        "commitment_to_quality_of_care": "often",
        "compassion": "often",
        "improving_lives": "often",
        "everyone_counts": "often",
    },
    "aspirations": {
        "direction": "depth",
        "timeframe": "two_to_five_years",
        "mobility": "region",
        "challenged_organisation_interest": False,
    },
    "wellbeing_conversation_held": True,
}


async def add_question(
    client: httpx.AsyncClient, code: str, *, required: bool = False, answer_type: str = "text"
) -> httpx.Response:
    added = await client.post(
        QUESTIONS,
        json={
            "code": code,
            "text": f"Local question {code}?",
            "answer_type": answer_type,
            "required": required,
        },
        headers={**ADMIN, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert added.status_code == 201, added.text
    return added


async def new_appraisal(client: httpx.AsyncClient, person_id: str) -> tuple[str, str]:
    created = await client.post(
        "/v1/appraisals",
        json={
            "person_id": person_id,
            "appraiser_id": "900001",
            "cycle_year": 2026,
            "org_code": LEEDS,
        },
        headers=WRITER,
    )
    assert created.status_code == 201, created.text
    return created.json()["id"], created.headers["ETag"]


async def patch(
    client: httpx.AsyncClient, appraisal_id: str, etag: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.patch(
        f"/v1/appraisals/{appraisal_id}", json=body, headers={**WRITER, "If-Match": etag}
    )


async def move(client: httpx.AsyncClient, appraisal_id: str, etag: str, to: str) -> httpx.Response:
    return await client.post(
        f"/v1/appraisals/{appraisal_id}/transitions",
        json={"to": to},
        headers={**WRITER, "If-Match": etag},
    )


async def to_meeting(client: httpx.AsyncClient, appraisal_id: str, etag: str) -> str:
    for status in ("preparation", "meeting"):
        moved = await move(client, appraisal_id, etag, status)
        assert moved.status_code == 200, moved.text
        etag = moved.headers["ETag"]
    return etag


async def test_a_required_local_question_holds_completion_until_answered(
    start_service: Any,
) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        optional = await add_question(client, "leeds_way_reflection")
        assert optional.json()["required"] is False
        assert optional.json()["retired_at"] is None
        question_id = optional.json()["id"]
        url = f"{QUESTIONS}/{question_id}"

        appraisal_id, etag = await new_appraisal(client, "310001")
        patched = await patch(client, appraisal_id, etag, CONTENT)
        assert patched.status_code == 200, patched.text
        etag = await to_meeting(client, appraisal_id, patched.headers["ETag"])

        # Made required after the appraisal began: the rule holds from now on.
        fetched = await client.get(url, headers=ADMIN)
        assert fetched.status_code == 200
        made_required = await client.patch(
            url, json={"required": True}, headers={**ADMIN, "If-Match": fetched.headers["ETag"]}
        )
        assert made_required.status_code == 200, made_required.text
        assert made_required.json()["required"] is True
        assert made_required.json()["version"] == 2
        stale = await client.patch(
            url, json={"required": False}, headers={**ADMIN, "If-Match": fetched.headers["ETag"]}
        )
        assert stale.status_code == 412
        assert stale.headers["content-type"] == PROBLEM
        missing = await client.patch(url, json={"required": False}, headers=ADMIN)
        assert missing.status_code == 428

        refused = await move(client, appraisal_id, etag, "signed_by_appraisee")
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == PROBLEM
        assert refused.json()["unmet_rules"] == ["local_questions.required_answered"]
        assert refused.json()["errors"][0]["path"] == "appraisal.local_answers.leeds_way_reflection"

        # A blank answer is no answer.
        blank = await patch(
            client, appraisal_id, etag, {"local_answers": {"leeds_way_reflection": " "}}
        )
        assert blank.status_code == 200, blank.text
        etag = blank.headers["ETag"]
        still = await move(client, appraisal_id, etag, "signed_by_appraisee")
        assert still.status_code == 422
        assert still.json()["unmet_rules"] == ["local_questions.required_answered"]

        answered = await patch(
            client,
            appraisal_id,
            etag,
            {"local_answers": {"leeds_way_reflection": "I chaired the ward safety huddle."}},
        )
        assert answered.status_code == 200, answered.text
        signed = await move(client, appraisal_id, answered.headers["ETag"], "signed_by_appraisee")
        assert signed.status_code == 200, signed.text
        completed = await move(client, appraisal_id, signed.headers["ETag"], "completed")
        assert completed.status_code == 200, completed.text
        assert completed.json()["status"] == "completed"


async def test_a_retired_question_stays_where_it_was_answered_and_is_not_asked_again(
    start_service: Any,
) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        required = await add_question(client, "trust_values_reflection", required=True)
        question_id = required.json()["id"]
        url = f"{QUESTIONS}/{question_id}"

        answered_id, answered_etag = await new_appraisal(client, "320001")
        first = await patch(
            client,
            answered_id,
            answered_etag,
            {**CONTENT, "local_answers": {"trust_values_reflection": "Kindness on the ward."}},
        )
        assert first.status_code == 200, first.text
        answered_etag = first.headers["ETag"]
        unanswered_id, unanswered_etag = await new_appraisal(client, "320002")
        second = await patch(client, unanswered_id, unanswered_etag, CONTENT)
        assert second.status_code == 200, second.text
        unanswered_etag = await to_meeting(client, unanswered_id, second.headers["ETag"])

        # Required and unanswered: held back before retirement.
        held = await move(client, unanswered_id, unanswered_etag, "signed_by_appraisee")
        assert held.status_code == 422
        assert held.json()["unmet_rules"] == ["local_questions.required_answered"]

        etag = required.headers["ETag"]
        retired = await client.post(f"{url}/retirement", headers={**ADMIN, "If-Match": etag})
        assert retired.status_code == 200, retired.text
        assert retired.json()["retired_at"] is not None
        assert retired.json()["required"] is False
        again = await client.post(
            f"{url}/retirement", headers={**ADMIN, "If-Match": retired.headers["ETag"]}
        )
        assert again.status_code == 409
        assert again.json()["rule"] == "local_questions.retired"
        not_required_again = await client.patch(
            url, json={"required": True}, headers={**ADMIN, "If-Match": retired.headers["ETag"]}
        )
        assert not_required_again.status_code == 409

        # The appraisal that answered it keeps the answer, and may keep sending it.
        kept = await client.get(f"/v1/appraisals/{answered_id}", headers=WRITER)
        assert kept.json()["local_answers"] == {"trust_values_reflection": "Kindness on the ward."}
        resent = await patch(
            client,
            answered_id,
            kept.headers["ETag"],
            {"local_answers": {"trust_values_reflection": "Kindness, and candour."}},
        )
        assert resent.status_code == 200, resent.text
        assert resent.json()["local_answers"] == {
            "trust_values_reflection": "Kindness, and candour."
        }

        # The one that had not answered is no longer asked, and no longer held back.
        not_asked = await patch(
            client,
            unanswered_id,
            unanswered_etag,
            {"local_answers": {"trust_values_reflection": "x"}},
        )
        assert not_asked.status_code == 422
        assert not_asked.headers["content-type"] == PROBLEM
        signed = await move(client, unanswered_id, unanswered_etag, "signed_by_appraisee")
        assert signed.status_code == 200, signed.text

        # A new appraisal is not asked it either.
        fresh_id, fresh_etag = await new_appraisal(client, "320003")
        fresh = await patch(
            client, fresh_id, fresh_etag, {"local_answers": {"trust_values_reflection": "x"}}
        )
        assert fresh.status_code == 422

        # The code stays taken, but the retired question frees its place under the limit.
        reused = await client.post(
            QUESTIONS,
            json={"code": "trust_values_reflection", "text": "Reworded question?"},
            headers={**ADMIN, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert reused.status_code == 409
        listed = await client.get(QUESTIONS, headers=ADMIN)
        assert [q["code"] for q in listed.json()["items"]] == ["trust_values_reflection"]
        assert listed.json()["items"][0]["retired_at"] is not None


async def test_local_question_changes_keep_to_their_organisation_and_to_valid_input(
    start_service: Any,
) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        added = await add_question(client, "flexible_working_discussed", answer_type="yes_no")
        url = f"{QUESTIONS}/{added.json()['id']}"
        etag = added.headers["ETag"]

        other_org = await client.patch(
            url, json={"required": True}, headers={**GUYS_ADMIN, "If-Match": etag}
        )
        assert other_org.status_code == 403
        assert added.json()["id"] not in other_org.json()["detail"]
        wrong_path = await client.get(
            f"/v1/organisations/{GUYS}/local-questions/{added.json()['id']}", headers=GUYS_ADMIN
        )
        assert wrong_path.status_code == 404
        writer_only = await client.post(f"{url}/retirement", headers={**WRITER, "If-Match": etag})
        assert writer_only.status_code == 403
        unknown = await client.get(f"{QUESTIONS}/{uuid.uuid4()}", headers=ADMIN)
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == PROBLEM
        for body in ({}, {"required": "yes"}, {"required": True, "text": "Reworded?"}):
            bad = await client.patch(url, json=body, headers={**ADMIN, "If-Match": etag})
            assert bad.status_code == 422, body
            assert bad.headers["content-type"] == PROBLEM
        unchanged = await client.get(url, headers=ADMIN)
        assert unchanged.json()["version"] == 1
        assert unchanged.json()["text"] == "Local question flexible_working_discussed?"


def test_only_live_questions_and_answered_retired_ones_are_asked() -> None:
    live = domain.LocalQuestionState("live_one", domain.LocalAnswerType.TEXT, True, False)
    retired = domain.LocalQuestionState("old_one", domain.LocalAnswerType.YES_NO, False, True)
    retired_required = domain.LocalQuestionState("old_req", domain.LocalAnswerType.TEXT, True, True)
    questions = [live, retired, retired_required]
    assert set(domain.questions_asked(questions, [])) == {"live_one"}
    assert set(domain.questions_asked(questions, ["old_one"])) == {"live_one", "old_one"}
    assert domain.unanswered_required(questions, {}) == ["live_one"]
    assert domain.unanswered_required(questions, {"live_one": "  "}) == ["live_one"]
    assert domain.unanswered_required(questions, {"live_one": "Yes, weekly."}) == []
    try:
        domain.check_can_change(retired)
    except domain.LocalQuestionRefused as refused:
        assert refused.rule == "local_questions.retired"
    else:
        raise AssertionError("a retired question cannot change")
    domain.check_can_change(live)
