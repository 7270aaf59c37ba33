"""Career conversations and talent pools over HTTP: private notes, rule-based proposals fed by
profile facts and conversation outcomes, and the membership life cycle with its audit."""

from __future__ import annotations

import json
import uuid
from typing import Any

from devstack.testing import auth

ORG = "RR8"  # Leeds Teaching Hospitals, ICB QWO, region Y63
NEIGHBOUR = "RAE"
LEAD = auth("talent:read talent:write", org=ORG)


async def import_rows(talent: Any, rows: list[dict[str, Any]]) -> None:
    body = "\n".join(json.dumps(r) for r in rows).encode()
    response = await talent.client.post(
        "/v1/people:import",
        content=body,
        headers={"Content-Type": "application/x-ndjson", **auth("talent:write national")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["rejected"] == 0, response.text


def row(person_id: str, org: str = ORG, **extra: Any) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "org_code": org,
        "job_title": "Matron",
        "staff_group": "Nursing and Midwifery Registered",
        "band": "8a",
        "start_date": "2016-04-01",
        "status": "active",
        **extra,
    }


def ids() -> tuple[str, str, str, str]:
    run = uuid.uuid4().hex[:8]
    return f"M{run}", f"P{run}", f"Q{run}", f"X{run}"


async def test_conversation_notes_are_private(start_service: Any) -> None:
    manager, person, colleague, _ = ids()
    async with start_service("talent") as talent:
        await import_rows(
            talent,
            [
                row(manager, band="8c", is_line_manager=True),
                row(person, line_manager_id=manager),
                row(colleague),
            ],
        )
        body = {
            "held_on": "2026-10-14",
            "where_they_are": "Settled as matron; wants more strategic work",
            "where_they_want_to_go": "Deputy director of nursing within two years",
            "agreed_actions": ["Shadow the director of nursing for a quarter"],
            "outcome_codes": ["ready_for_stretch"],
            "target_level": "senior",
            "timeframe": "one_to_two_years",
        }
        url = f"/v1/people/{person}/career-conversations"
        # Neither a talent lead nor a colleague records someone else's conversation.
        refused = await talent.client.post(url, json=body, headers=LEAD)
        assert refused.status_code == 403
        as_colleague = auth("talent:read talent:write", org=ORG, subject=colleague)
        assert (await talent.client.post(url, json=body, headers=as_colleague)).status_code == 403
        as_manager = auth("talent:read talent:write", org=ORG, subject=manager)
        created = await talent.client.post(url, json=body, headers=as_manager)
        assert created.status_code == 201, created.text
        assert created.json()["where_they_are"] == body["where_they_are"]

        as_person = auth("talent:read", org=ORG, subject=person)
        mine = await talent.client.get(url, headers=as_person)
        assert mine.json()["items"][0]["agreed_actions"] == body["agreed_actions"]
        lead_view = (await talent.client.get(url, headers=LEAD)).json()["items"][0]
        assert lead_view["private_notes_shown"] is False
        assert lead_view["where_they_are"] is None
        assert lead_view["agreed_actions"] is None
        assert lead_view["outcome_codes"] == ["ready_for_stretch"]
        assert "strategic" not in json.dumps(lead_view)
        elsewhere = await talent.client.get(url, headers=auth("talent:read", org="RJ1"))
        assert elsewhere.status_code == 403

        one = f"/v1/career-conversations/{created.json()['id']}"
        current = await talent.client.get(one, headers=as_person)
        amended = await talent.client.patch(
            one,
            json={"outcome_codes": ["ready_now_for_move"]},
            headers={**as_person, "If-Match": current.headers["ETag"]},
        )
        # A read-only token cannot amend; the person with write scope can.
        assert amended.status_code == 403
        as_person_writer = auth("talent:read talent:write", org=ORG, subject=person)
        amended = await talent.client.patch(
            one,
            json={"outcome_codes": ["ready_now_for_move"]},
            headers={**as_person_writer, "If-Match": current.headers["ETag"]},
        )
        assert amended.status_code == 200, amended.text
        assert amended.json()["outcome_codes"] == ["ready_now_for_move"]
        stale = await talent.client.patch(
            one,
            json={"outcome_codes": []},
            headers={**as_person_writer, "If-Match": current.headers["ETag"]},
        )
        assert stale.status_code == 412


async def test_pool_rules_propose_and_leads_decide(start_service: Any) -> None:
    manager, person, colleague, outsider = ids()
    async with start_service("talent") as talent:
        await import_rows(
            talent,
            [
                row(manager, band="8c", is_line_manager=True),
                row(person, band="8b", line_manager_id=manager),
                row(colleague, band="8b"),
                row(outsider, org="RJ1", band="8b"),
            ],
        )
        as_manager = auth("talent:read talent:write", org=ORG, subject=manager)
        recorded = await talent.client.post(
            f"/v1/people/{person}/career-conversations",
            json={"held_on": "2026-10-14", "outcome_codes": ["ready_now_for_move"]},
            headers=as_manager,
        )
        assert recorded.status_code == 201, recorded.text

        pool_body = {
            "name": "Aspiring directors, Yorkshire",
            "scope": "region",
            "scope_code": "Y63",
            "rules": {"bands": ["8b", "8c"], "conversation_outcomes": ["ready_now_for_move"]},
        }
        # A trust's lead does not reach the whole region.
        assert (
            await talent.client.post("/v1/talent-pools", json=pool_body, headers=LEAD)
        ).status_code == 403
        regional = auth("talent:read talent:write", region="Y63")
        created = await talent.client.post("/v1/talent-pools", json=pool_body, headers=regional)
        assert created.status_code == 201, created.text
        pool_id = created.json()["id"]
        bad = await talent.client.post(
            "/v1/talent-pools",
            json={**pool_body, "scope": "national"},
            headers=auth("talent:write", region="Y63"),
        )
        assert bad.status_code == 422

        proposed = await talent.client.post(
            f"/v1/talent-pools/{pool_id}/proposals", headers=regional
        )
        assert proposed.status_code == 200, proposed.text
        assert proposed.json()["proposed"] == 1
        again = await talent.client.post(f"/v1/talent-pools/{pool_id}/proposals", headers=regional)
        assert again.json() == {**again.json(), "proposed": 0, "already_members": 1}

        members = await talent.client.get(f"/v1/talent-pools/{pool_id}/members", headers=LEAD)
        [member] = members.json()["items"]
        assert member["person_id"] == person
        assert member["status"] == "proposed"
        assert member["proposal"]["rules_met"] == {
            "bands": "8b",
            "conversation_outcomes": ["ready_now_for_move"],
        }

        url = f"/v1/pool-memberships/{member['id']}"
        current = await talent.client.get(url, headers=LEAD)
        exited = await talent.client.post(
            f"{url}/transitions",
            json={"to": "exited", "reason": "Not a member yet"},
            headers={**LEAD, "If-Match": current.headers["ETag"]},
        )
        assert exited.status_code == 422
        confirmed = await talent.client.post(
            f"{url}/transitions",
            json={"to": "confirmed"},
            headers={**LEAD, "If-Match": current.headers["ETag"]},
        )
        assert confirmed.status_code == 200, confirmed.text
        no_reason = await talent.client.post(
            f"{url}/transitions",
            json={"to": "paused"},
            headers={**LEAD, "If-Match": confirmed.headers["ETag"]},
        )
        assert no_reason.status_code == 422
        paused = await talent.client.post(
            f"{url}/transitions",
            json={"to": "paused", "reason": "Maternity leave until next spring"},
            headers={**LEAD, "If-Match": confirmed.headers["ETag"]},
        )
        assert paused.status_code == 200, paused.text
        history = await talent.client.get(f"{url}/history", headers=LEAD)
        assert [(h["from_status"], h["to_status"]) for h in history.json()["items"]] == [
            (None, "proposed"),
            ("proposed", "confirmed"),
            ("confirmed", "paused"),
        ]
        assert history.json()["items"][-1]["reason"] == "Maternity leave until next spring"
        foreign = await talent.client.get(url, headers=auth("talent:read", org="RJ1"))
        assert foreign.status_code == 403
        listed = await talent.client.get("/v1/talent-pools", headers=auth("talent:read", org="RJ1"))
        assert pool_id not in json.dumps(listed.json())
