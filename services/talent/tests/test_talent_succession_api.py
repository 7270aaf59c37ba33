"""Succession over HTTP and events: posts, plans, candidates whose readiness follows the
evidence the consumer projects, overrides, gap analysis, bench strength and reach."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import select

from devstack.testing import auth, eventually
from shared.events.cloudevents import encode_headers, encode_value
from shared.tables import outbox

ORG = "RR8"
OTHER_ORG = "RTH"
WRITER = auth("talent:read talent:write", org=ORG)
READER_ELSEWHERE = auth("talent:read talent:write", org=OTHER_ORG)
NOW = datetime.now(UTC)


def new_person_id() -> str:
    return f"S{uuid.uuid4().hex[:12]}"


class Producer:
    """Publishes CloudEvents as standards, appraisal and ned do."""

    def __init__(self, bootstrap_servers: str) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers, enable_idempotence=False, acks="all"
        )

    async def __aenter__(self) -> Producer:
        await self._producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._producer.stop()

    async def send(self, service: str, event: str, data: dict[str, Any]) -> None:
        headers = encode_headers(
            event_id=str(uuid.uuid4()),
            source=f"/leadership/{service}",
            event_type=f"leadership.{event}.v1",
            time=datetime.now(UTC),
            subject=None,
        )
        await self._producer.send_and_wait(
            f"leadership.{service}",
            value=encode_value(data),
            key=data["person_id"].encode(),
            headers=headers,
        )


def eligibility(person_id: str, *, eligible: bool, level: str = "senior", **extra: Any) -> dict:
    return {
        "determination_id": str(uuid.uuid4()),
        "person_id": person_id,
        "org_code": ORG,
        "level": level,
        "eligible": eligible,
        "previously_eligible": None,
        "met_requirement_ids": ["senior.induction"] if eligible else [],
        "unmet_requirement_ids": [] if eligible else ["senior.mid-career-programme"],
        "evidence_credential_ids": extra.pop("evidence", []),
        "policy_version": "2026.1",
        "as_of": extra.pop("as_of", datetime.now(UTC).isoformat()),
        **extra,
    }


def appraisal_completed(person_id: str, appraisal_id: str, **overrides: Any) -> dict:
    data = {
        "appraisal_id": appraisal_id,
        "person_id": person_id,
        "org_code": ORG,
        "cycle_year": 2026,
        "performance_outcome": "meets",
        "behaviour_outcome": "exceeds",
        "aspirations": {"direction": "stretch", "target_level": "senior", "timeframe": "now"},
        "completed_at": (NOW - timedelta(days=10)).isoformat(),
    }
    data.update(overrides)
    return data


async def import_person(talent: Any, person_id: str, org: str = ORG) -> None:
    row = {
        "person_id": person_id,
        "org_code": org,
        "job_title": "Deputy Director of Nursing",
        "staff_group": "Nursing and Midwifery Registered",
        "band": "8c",
        "start_date": "2015-04-01",
        "status": "active",
    }
    response = await talent.client.post(
        "/v1/people:import",
        content=json.dumps(row).encode(),
        headers={"Content-Type": "application/x-ndjson", **auth("talent:write national")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["rejected"] == 0, response.text


async def make_plan(talent: Any, *, level: str = "senior", board_post: bool = False) -> dict:
    post = await talent.client.post(
        "/v1/critical-posts",
        json={
            "org_code": ORG,
            "role_title": "Director of Nursing",
            "level": level,
            "board_post": board_post,
            "risk_of_loss": "high",
            "impact_of_loss": "high",
            "expected_vacancy_date": "2027-09-30",
        },
        headers=WRITER,
    )
    assert post.status_code == 201, post.text
    plan = await talent.client.post(
        "/v1/succession-plans", json={"post_id": post.json()["id"]}, headers=WRITER
    )
    assert plan.status_code == 201, plan.text
    return plan.json()


async def add_candidate(talent: Any, plan_id: str, person_id: str, **extra: Any) -> dict:
    response = await talent.client.post(
        f"/v1/succession-plans/{plan_id}/candidates",
        json={"person_id": person_id, **extra},
        headers=WRITER,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def candidate(talent: Any, candidate_id: str) -> dict:
    response = await talent.client.get(f"/v1/succession-candidates/{candidate_id}", headers=WRITER)
    assert response.status_code == 200, response.text
    return response.json()


async def readiness_becomes(talent: Any, candidate_id: str, wanted: str) -> dict:
    async def check() -> dict | None:
        body = await candidate(talent, candidate_id)
        return body if body["readiness"] == wanted else None

    result: dict = await eventually(check, timeout=20)
    return result


async def outbox_events(talent: Any, event_type: str, **match: str) -> list[dict]:
    async with talent.db.session() as session:
        rows = await session.execute(
            select(outbox.c.payload)
            .where(outbox.c.type == f"leadership.{event_type}.v1")
            .order_by(outbox.c.seq)
        )
        payloads = [row.payload for row in rows]
    return [p for p in payloads if all(str(p.get(k)) == v for k, v in match.items())]


def rules(body: dict) -> dict[str, bool]:
    return {rule["rule"]: rule["met"] for rule in body["explanation"]["rules"]}


async def test_readiness_follows_the_evidence(start_service: Any, embedded_broker: Any) -> None:
    person_id = new_person_id()
    async with (
        start_service("talent", run_workers=True) as talent,
        Producer(embedded_broker.bootstrap_servers) as producer,
    ):
        await import_person(talent, person_id)
        plan = await make_plan(talent)
        assert plan["risks"] == ["no_successor", "no_emergency_cover"]
        added = await add_candidate(talent, plan["id"], person_id, emergency_cover=True)
        assert added["readiness"] == "not_ready"
        assert rules(added) == {
            "eligible_for_level": False,
            "appraisal_recent": False,
            "appraisal_outcomes": False,
            "aspiration_toward_level": False,
            "fit_and_proper": True,
        }
        assert added["explanation"]["policy_version"] == "2026.1"
        first = await outbox_events(talent, "readiness.changed", candidate_id=added["id"])
        assert [e["readiness"] for e in first] == [{"old": None, "new": "not_ready"}]

        # A good appraisal aiming at the level, without eligibility: one to two years away.
        appraisal_id = str(uuid.uuid4())
        await producer.send(
            "appraisal", "appraisal.completed", appraisal_completed(person_id, appraisal_id)
        )
        body = await readiness_becomes(talent, added["id"], "ready_1_2_years")
        assert rules(body)["eligible_for_level"] is False
        assert rules(body)["aspiration_toward_level"] is True

        # Standards announces eligibility on the strength of a credential: ready now.
        credential_id = str(uuid.uuid4())
        await producer.send(
            "standards",
            "eligibility.changed",
            eligibility(person_id, eligible=True, evidence=[credential_id]),
        )
        body = await readiness_becomes(talent, added["id"], "ready_now")
        assert all(rules(body).values())
        evidence = {r["rule"]: r["evidence"] for r in body["explanation"]["rules"]}
        assert evidence["appraisal_outcomes"]["appraisal_id"] == appraisal_id
        assert evidence["eligible_for_level"]["evidence_credential_ids"] == [credential_id]

        shown = await talent.client.get(f"/v1/succession-plans/{plan['id']}", headers=WRITER)
        assert shown.json()["bench_strength"]["ready_now"] == 1
        assert shown.json()["risks"] == ["single_successor"]
        updates = await outbox_events(talent, "succession.plan.updated", plan_id=plan["id"])
        assert updates[-1]["bench_strength"]["ready_now"] == 1
        assert updates[-1]["risks"] == ["single_successor"]

        # Revoking the credential the eligibility rested on moves readiness back at once.
        await producer.send(
            "standards",
            "credential.revoked",
            {
                "credential_id": credential_id,
                "person_id": person_id,
                "org_code": ORG,
                "programme_code": "NLA-MARY-SEACOLE",
                "reason_code": "issued_in_error",
                "revoked_at": datetime.now(UTC).isoformat(),
            },
        )
        body = await readiness_becomes(talent, added["id"], "ready_1_2_years")
        assert rules(body)["eligible_for_level"] is False

        # A reopened appraisal is no evidence until it completes again.
        await producer.send(
            "appraisal",
            "appraisal.reopened",
            {
                "appraisal_id": appraisal_id,
                "person_id": person_id,
                "reason_code": "late_evidence",
                "reopened_at": datetime.now(UTC).isoformat(),
            },
        )
        body = await readiness_becomes(talent, added["id"], "not_ready")
        changes = await outbox_events(talent, "readiness.changed", candidate_id=added["id"])
        assert [e["readiness"]["new"] for e in changes] == [
            "not_ready",
            "ready_1_2_years",
            "ready_now",
            "ready_1_2_years",
            "not_ready",
        ]
        assert changes[-1]["reasons"]["unmet"] == [
            "eligible_for_level",
            "appraisal_recent",
            "appraisal_outcomes",
            "aspiration_toward_level",
        ]
        assert changes[-1]["overridden"] is False


async def test_board_posts_need_a_passed_fit_and_proper_test(
    start_service: Any, embedded_broker: Any
) -> None:
    person_id = new_person_id()
    async with (
        start_service("talent", run_workers=True) as talent,
        Producer(embedded_broker.bootstrap_servers) as producer,
    ):
        await import_person(talent, person_id)
        plan = await make_plan(talent, level="board", board_post=True)
        added = await add_candidate(talent, plan["id"], person_id)
        await producer.send(
            "appraisal",
            "appraisal.completed",
            appraisal_completed(
                person_id,
                str(uuid.uuid4()),
                aspirations={"direction": "stretch", "target_level": "board"},
            ),
        )
        await producer.send(
            "standards", "eligibility.changed", eligibility(person_id, eligible=True, level="board")
        )

        # The two events travel on different topics: wait for both to be judged.
        async def both_judged() -> dict | None:
            body = await candidate(talent, added["id"])
            return (
                body
                if rules(body)["eligible_for_level"] and rules(body)["appraisal_outcomes"]
                else None
            )

        body = await eventually(both_judged, timeout=20)
        assert body["readiness"] == "ready_1_2_years"
        assert rules(body)["fit_and_proper"] is False

        await producer.send(
            "ned",
            "fppt.assessed",
            {
                "assessment_id": str(uuid.uuid4()),
                "person_id": person_id,
                "org_code": ORG,
                "kind": "appointment",
                "outcome": "pass",
                "assessed_at": datetime.now(UTC).isoformat(),
                "signed_off_by_role": "chair",
            },
        )
        body = await readiness_becomes(talent, added["id"], "ready_now")
        profile = await talent.client.get(f"/v1/people/{person_id}/profile", headers=WRITER)
        assert profile.json()["fit_and_proper"]["outcome"] == "pass"
        assert [e["level"] for e in profile.json()["eligibility"]] == ["board"]


async def test_overrides_gaps_and_concurrency(start_service: Any, embedded_broker: Any) -> None:
    person_id = new_person_id()
    async with (
        start_service("talent", run_workers=True) as talent,
        Producer(embedded_broker.bootstrap_servers) as producer,
    ):
        await import_person(talent, person_id)
        plan = await make_plan(talent)
        added = await add_candidate(talent, plan["id"], person_id)
        await producer.send(
            "standards",
            "eligibility.changed",
            eligibility(
                person_id,
                eligible=False,
                unmet_requirements=[
                    {
                        "requirement_id": "senior.mid-career-programme",
                        "standards": ["LMS-7"],
                        "programmes": ["NLA-ROSALIND-FRANKLIN"],
                    }
                ],
            ),
        )

        async def gaps() -> dict | None:
            response = await talent.client.get(
                f"/v1/succession-candidates/{added['id']}/gaps", headers=WRITER
            )
            assert response.status_code == 200, response.text
            body = response.json()
            return body if body["eligibility_announced"] else None

        found = await eventually(gaps, timeout=20)
        assert found["eligible"] is False
        assert found["missing_requirements"] == [
            {
                "requirement_id": "senior.mid-career-programme",
                "standards": ["LMS-7"],
                "programmes": ["NLA-ROSALIND-FRANKLIN"],
            }
        ]
        assert found["programmes"] == ["NLA-ROSALIND-FRANKLIN"]
        assert "eligible_for_level" in found["unmet_rules"]

        url = f"/v1/succession-candidates/{added['id']}/override"
        override = {
            "readiness": "ready_3_plus_years",
            "reason": "Secondment to a regional role agreed at panel",
            "expires_at": (datetime.now(UTC) + timedelta(days=90)).isoformat(),
        }
        missing = await talent.client.put(url, json=override, headers=WRITER)
        assert missing.status_code == 428
        assert missing.headers["content-type"] == "application/problem+json"
        current = await talent.client.get(
            f"/v1/succession-candidates/{added['id']}", headers=WRITER
        )
        etag = current.headers["ETag"]
        past = {**override, "expires_at": "2020-01-01T00:00:00Z"}
        refused = await talent.client.put(url, json=past, headers={**WRITER, "If-Match": etag})
        assert refused.status_code == 422
        done = await talent.client.put(url, json=override, headers={**WRITER, "If-Match": etag})
        assert done.status_code == 200, done.text
        assert done.json()["readiness"] == "ready_3_plus_years"
        assert done.json()["computed_readiness"] == "not_ready"
        assert done.json()["override"]["active"] is True
        stale = await talent.client.put(url, json=override, headers={**WRITER, "If-Match": etag})
        assert stale.status_code == 412
        events = await outbox_events(talent, "readiness.changed", candidate_id=added["id"])
        assert events[-1]["overridden"] is True
        assert events[-1]["readiness"] == {"old": "not_ready", "new": "ready_3_plus_years"}

        cleared = await talent.client.delete(
            url, headers={**WRITER, "If-Match": done.headers["ETag"]}
        )
        assert cleared.status_code == 200
        assert cleared.json()["readiness"] == "not_ready"
        assert cleared.json()["override"] is None


async def test_plans_are_reached_only_from_their_organisation(start_service: Any) -> None:
    person_id = new_person_id()
    elsewhere = new_person_id()
    async with start_service("talent") as talent:
        await import_person(talent, person_id)
        await import_person(talent, elsewhere, org=OTHER_ORG)
        plan = await make_plan(talent)
        added = await add_candidate(talent, plan["id"], person_id)
        for path in (
            f"/v1/succession-plans/{plan['id']}",
            f"/v1/succession-plans/{plan['id']}/candidates",
            f"/v1/succession-candidates/{added['id']}",
            f"/v1/succession-candidates/{added['id']}/gaps",
            f"/v1/critical-posts/{plan['post_id']}",
        ):
            response = await talent.client.get(path, headers=READER_ELSEWHERE)
            assert response.status_code == 403, path
            assert ORG not in response.text
        listed = await talent.client.get("/v1/succession-plans", headers=READER_ELSEWHERE)
        assert listed.json()["items"] == []
        # A candidate from an organisation the token does not reach is refused.
        foreign = await talent.client.post(
            f"/v1/succession-plans/{plan['id']}/candidates",
            json={"person_id": elsewhere},
            headers=WRITER,
        )
        assert foreign.status_code == 403
        unknown = await talent.client.post(
            f"/v1/succession-plans/{plan['id']}/candidates",
            json={"person_id": new_person_id()},
            headers=WRITER,
        )
        assert unknown.status_code == 422
        twice = await talent.client.post(
            f"/v1/succession-plans/{plan['id']}/candidates",
            json={"person_id": person_id},
            headers=WRITER,
        )
        assert twice.status_code == 409
        again = await talent.client.post(
            "/v1/succession-plans", json={"post_id": plan["post_id"]}, headers=WRITER
        )
        assert again.status_code == 409
        listed = await talent.client.get(
            f"/v1/succession-plans/{plan['id']}/candidates", headers=WRITER
        )
        assert [c["person_id"] for c in listed.json()["items"]] == [person_id]
        policies = await talent.client.get("/v1/readiness-policies", headers=WRITER)
        assert [p["version"] for p in policies.json()["items"]] == ["2026.1"]
