"""The NED talent pool over HTTP; protected characteristics only through restricted, audited
endpoints."""

import uuid

from devstack import flows
from devstack.testing import auth

NHSE = auth("ned:read ned:write ned:admin national")
NHSE_NEY = auth("ned:read ned:write", region="Y63")
EDI = auth("ned:read ned:write ned:admin edi:read national")
LEEDS = auth("ned:read ned:write edi:read", org="RR8")
GUYS = auth("ned:read ned:write edi:read", org="RJ1")


def person() -> str:
    return "C" + uuid.uuid4().hex[:9].upper()


async def test_a_candidate_carries_skills_lcf_self_assessment_availability_and_programmes(
    start_service,
) -> None:
    async with start_service("ned") as ned:
        someone = person()
        created = await flows.ned_candidate(
            ned.client,
            someone,
            "Y63",
            NHSE_NEY,
            programmes=[
                {"programme": "next_director", "status": "completed", "host_org_code": "RR8"},
                {"programme": "aspiring_chair", "status": "nominated"},
            ],
        )
        assert created["skills"] == ["audit", "finance"]
        assert created["lcf_self_assessment"]["LCF-2024-D3"] == "often"
        assert {p["programme"] for p in created["programmes"]} == {
            "next_director",
            "aspiring_chair",
        }
        assert "sex" not in created and "ethnic_category" not in created

        url = f"/v1/candidates/{created['id']}"
        current = await ned.client.get(url, headers=NHSE)
        update = flows.ned_candidate_body(
            someone, "Y63", skills=["digital"], days_per_month=4, programmes=created["programmes"]
        )
        del update["person_id"], update["org_code"]
        missing = await ned.client.put(url, json=update, headers=NHSE)
        assert missing.status_code == 428
        changed = await ned.client.put(
            url, json=update, headers={**NHSE, "If-Match": current.headers["ETag"]}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["skills"] == ["digital"]
        stale = await ned.client.put(
            url, json=update, headers={**NHSE, "If-Match": current.headers["ETag"]}
        )
        assert stale.status_code == 412

        by_skill = await ned.client.get("/v1/candidates", params={"skill": "digital"}, headers=NHSE)
        assert [c["id"] for c in by_skill.json()["items"]] == [created["id"]]
        by_programme = await ned.client.get(
            "/v1/candidates", params={"programme": "aspiring_chair"}, headers=NHSE
        )
        assert [c["id"] for c in by_programme.json()["items"]] == [created["id"]]
        elsewhere = await ned.client.get("/v1/candidates", params={"region": "Y56"}, headers=NHSE)
        assert elsewhere.json()["items"] == []


async def test_a_candidate_record_is_checked_field_by_field(start_service) -> None:
    async with start_service("ned") as ned:
        body = flows.ned_candidate_body(
            person(),
            "RR8",
            lcf_self_assessment={"LCF-2024-D1": "often", "LCF-2024-D7": "rarely"},
            regional_preferences=["Y99"],
            programmes=[
                {"programme": "next_director", "status": "active"},
                {"programme": "next_director", "status": "nominated"},
            ],
        )
        response = await ned.client.post("/v1/candidates", json=body, headers=LEEDS)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        messages = [(e["path"], e["message"]) for e in response.json()["errors"]]
        assert ("body.lcf_self_assessment", "no rating for LCF-2024-D2") in messages
        assert ("body.lcf_self_assessment", "LCF-2024-D7 is not an LCF domain") in messages
        assert ("body.regional_preferences.0", "Y99 is not an NHS England region") in messages
        assert ("body.programmes", "more than one live next_director membership") in messages
        duplicate = flows.ned_candidate_body(person(), "RR8")
        assert (
            await ned.client.post("/v1/candidates", json=duplicate, headers=LEEDS)
        ).status_code == 201
        again = await ned.client.post("/v1/candidates", json=duplicate, headers=LEEDS)
        assert again.status_code == 409
        unknown = await ned.client.post(
            "/v1/candidates", json=flows.ned_candidate_body(person(), "ZZZ"), headers=NHSE
        )
        assert unknown.status_code == 422
        outside = await ned.client.post(
            "/v1/candidates", json=flows.ned_candidate_body(person(), "RJ1"), headers=LEEDS
        )
        assert outside.status_code == 403


async def test_candidates_outside_the_token_reach_are_not_disclosed(start_service) -> None:
    async with start_service("ned") as ned:
        leeds = await flows.ned_candidate(ned.client, person(), "RR8", LEEDS)
        guys = await flows.ned_candidate(ned.client, person(), "RJ1", GUYS)
        seen = await ned.client.get("/v1/candidates", headers=LEEDS)
        assert [c["id"] for c in seen.json()["items"]] == [leeds["id"]]
        hidden = await ned.client.get(f"/v1/candidates/{guys['id']}", headers=LEEDS)
        assert hidden.status_code == 404
        assert guys["person_id"] not in hidden.text
        regional = await ned.client.get("/v1/candidates", headers=NHSE_NEY)
        assert [c["id"] for c in regional.json()["items"]] == [leeds["id"]]


async def test_protected_characteristics_need_edi_read_and_every_access_is_audited(
    start_service,
) -> None:
    async with start_service("ned") as ned:
        candidate = await flows.ned_candidate(ned.client, person(), "RR8", LEEDS)
        url = f"/v1/candidates/{candidate['id']}/protected-characteristics"
        declaration = {"sex": "female", "ethnic_category": "N", "disability": "yes"}
        no_edi = auth("ned:read ned:write", org="RR8")
        assert (await ned.client.put(url, json=declaration, headers=no_edi)).status_code == 403
        assert (await ned.client.get(url, headers=no_edi)).status_code == 403
        nothing_yet = await ned.client.get(url, headers=LEEDS)
        assert nothing_yet.status_code == 404
        declared = await ned.client.put(url, json=declaration, headers=LEEDS)
        assert declared.status_code == 200, declared.text
        read = await ned.client.get(url, headers=EDI)
        assert read.status_code == 200
        assert (read.json()["sex"], read.json()["ethnic_category"], read.json()["disability"]) == (
            "female",
            "N",
            "yes",
        )
        replaced = await ned.client.put(
            url, json={**declaration, "disability": "not_declared"}, headers=LEEDS
        )
        assert replaced.status_code == 428  # replacing a declaration needs its ETag
        replaced = await ned.client.put(
            url,
            json={**declaration, "disability": "not_declared"},
            headers={**LEEDS, "If-Match": read.headers["ETag"]},
        )
        assert replaced.status_code == 200
        assert (await ned.client.get(url, headers=GUYS)).status_code == 404
        bad = await ned.client.put(url, json={"ethnic_category": "I"}, headers=LEEDS)
        assert bad.status_code == 422
        # The pool record itself never carries them.
        plain = await ned.client.get(f"/v1/candidates/{candidate['id']}", headers=EDI)
        assert "female" not in plain.text

        log = await ned.client.get(f"{url}/access-log", headers=NHSE)
        assert log.status_code == 200
        actions = [(entry["action"], entry["subject"]) for entry in log.json()["items"]]
        assert [a for a, _ in actions] == ["read", "write", "read", "write"]
        assert all(subject for _, subject in actions)
        assert (await ned.client.get(f"{url}/access-log", headers=LEEDS)).status_code == 403
