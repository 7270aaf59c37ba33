"""The national template and organisations' local questions over HTTP."""

import uuid
from typing import Any

from devstack.testing import auth

LEEDS = "RR8"
GUYS = "RJ1"
PROBLEM = "application/problem+json"
ADMIN = auth("appraisal:read appraisal:write appraisal:admin", org=LEEDS)
READER = auth("appraisal:read", org=LEEDS)
GUYS_READER = auth("appraisal:read appraisal:admin", org=GUYS)


async def test_the_national_template_lists_its_staff_and_board_variants(
    start_service: Any,
) -> None:
    async with start_service("appraisal") as svc:
        listed = await svc.client.get("/v1/templates", headers=GUYS_READER)
        assert listed.status_code == 200, listed.text
        assert [t["version"] for t in listed.json()["items"]] == ["2025.1"]
        assert listed.json()["next_cursor"] is None

        template = await svc.client.get("/v1/templates/2025.1", headers=READER)
        assert template.status_code == 200, template.text
        variants = {v["kind"]: v for v in template.json()["variants"]}
        staff = {s["code"]: s for s in variants["staff"]["sections"]}
        board = {s["code"]: s for s in variants["board"]["sections"]}
        assert variants["staff"]["behaviour_framework"] == "nhs_values"
        assert (
            len(staff["behaviours"]["items"]) == 6 and "compassion" in staff["behaviours"]["items"]
        )
        assert staff["objectives"]["scale"] == ["exceeds", "meets", "partially_meets", "not_met"]
        assert staff["behaviours"]["scale"][0] == "almost_always"
        assert staff["behaviours"]["scale"][-1] == "no_chance_to_demonstrate"
        assert staff["wellbeing"]["private"] is True
        assert staff["edi_objective"]["mandatory_for"] == "line_managers"
        assert "multi_source_feedback" not in staff
        assert variants["board"]["behaviour_framework"] == "lcf_2024"
        assert board["behaviours"]["items"] == [
            "lcf_outcomes",
            "lcf_strategy",
            "lcf_equality",
            "lcf_governance",
            "lcf_culture",
            "lcf_partnerships",
        ]
        for code in ("multi_source_feedback", "fppt_confirmation", "edi_objective"):
            assert board[code]["mandatory"] is True, code
        assert {"career_aspirations", "development_plan"} <= set(board)

        unknown = await svc.client.get("/v1/templates/1999.1", headers=READER)
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == PROBLEM
        no_token = await svc.client.get("/v1/templates")
        assert no_token.status_code == 401


async def test_organisations_add_local_questions_but_cannot_replace_national_sections(
    start_service: Any,
) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        url = f"/v1/organisations/{LEEDS}/local-questions"
        key = {"Idempotency-Key": str(uuid.uuid4())}
        body = {"code": "leeds_way_reflection", "text": "How have you lived The Leeds Way?"}
        added = await client.post(url, json=body, headers={**ADMIN, **key})
        assert added.status_code == 201, added.text
        assert added.json()["template_version"] == "2025.1"
        assert added.json()["answer_type"] == "text"
        replay = await client.post(url, json=body, headers={**ADMIN, **key})
        assert replay.json()["id"] == added.json()["id"]
        yes_no = await client.post(
            url,
            json={
                "code": "flexible_working_discussed",
                "text": "Flexible working discussed?",
                "answer_type": "yes_no",
            },
            headers=ADMIN,
        )
        assert yes_no.status_code == 201, yes_no.text

        national = await client.post(
            url, json={"code": "wellbeing", "text": "Our own wellbeing wording"}, headers=ADMIN
        )
        assert national.status_code == 422, national.text
        assert national.json()["rule"] == "local_questions.not_national"
        lcf = await client.post(
            url, json={"code": "lcf_culture", "text": "Reworded culture domain"}, headers=ADMIN
        )
        assert lcf.status_code == 422 and lcf.json()["rule"] == "local_questions.not_national"
        again = await client.post(url, json=body, headers=ADMIN)
        assert again.status_code == 409, again.text
        unknown_template = await client.post(
            url, json={**body, "code": "other_one", "template_version": "2030.1"}, headers=ADMIN
        )
        assert unknown_template.status_code == 422
        # Writing needs the admin scope.
        writer_only = await client.post(
            url,
            json={"code": "writer_try", "text": "Not allowed here"},
            headers=auth("appraisal:read appraisal:write", org=LEEDS),
        )
        assert writer_only.status_code == 403

        listed = await client.get(url, headers=READER)
        assert listed.status_code == 200
        assert [q["code"] for q in listed.json()["items"]] == [
            "leeds_way_reflection",
            "flexible_working_discussed",
        ]
        # Another organisation's token sees none of them, and cannot add any.
        foreign = await client.get(url, headers=GUYS_READER)
        assert foreign.status_code == 403 and foreign.headers["content-type"] == PROBLEM
        foreign_add = await client.post(
            url, json={"code": "guys_question", "text": "Injected"}, headers=GUYS_READER
        )
        assert foreign_add.status_code == 403

        # Answers go on the appraisal, only to the organisation's own questions and types.
        created = await client.post(
            "/v1/appraisals",
            json={
                "person_id": "300001",
                "org_code": LEEDS,
                "appraiser_id": "900001",
                "cycle_year": 2026,
            },
            headers=ADMIN,
        )
        assert created.status_code == 201, created.text
        appraisal_url = f"/v1/appraisals/{created.json()['id']}"
        etag = created.headers["ETag"]
        unknown_code = await client.patch(
            appraisal_url,
            json={"local_answers": {"not_asked_here": "x"}},
            headers={**ADMIN, "If-Match": etag},
        )
        assert unknown_code.status_code == 422, unknown_code.text
        wrong_type = await client.patch(
            appraisal_url,
            json={"local_answers": {"flexible_working_discussed": "yes"}},
            headers={**ADMIN, "If-Match": etag},
        )
        assert wrong_type.status_code == 422, wrong_type.text
        answered = await client.patch(
            appraisal_url,
            json={
                "local_answers": {
                    "flexible_working_discussed": True,
                    "leeds_way_reflection": "Led the huddles",
                }
            },
            headers={**ADMIN, "If-Match": etag},
        )
        assert answered.status_code == 200, answered.text
        assert answered.json()["local_answers"] == {
            "flexible_working_discussed": True,
            "leeds_way_reflection": "Led the huddles",
        }
