"""Organisations under oversight and a placement from matching to completion, over HTTP.

Pool memberships, succession readiness and appraisal aspirations are written into the talent
database through their own models: they belong to the pools, succession and profiles areas,
whose own APIs and event handlers are tested there. Everything this area does goes over HTTP.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from devstack import flows
from devstack.testing import auth
from shared.tables import outbox
from talent.pools.models import PoolMembership, TalentPool
from talent.profiles.models import ProfileAppraisal
from talent.succession.models import CriticalPost, SuccessionCandidate, SuccessionPlan

NATIONAL = auth("talent:read talent:write talent:admin national")
CHALLENGED = "RJ1"  # Guy's and St Thomas' (London, Y56) stands in for a challenged trust here
LONDON_TRUST = "RJZ"  # King's College Hospital, also London
OTHER_REGION_TRUST = "RR8"  # Leeds Teaching Hospitals, North East and Yorkshire

PACKAGE: dict[str, Any] = {
    "title": "Chief Operating Officer",
    "level": "executive",
    "package_code": "CHALLENGED-EXEC-2026",
    "relocation_support": True,
    "pay_minimum": 150_000,
    "pay_maximum": 165_000,
    "protected_development_days": 10,
    "mentor": True,
    "peer_network": True,
    "coach": True,
    "improvement_time_months": 24,
    "improvement_plan_peer_review": True,
    "peer_reviewer_org_code": LONDON_TRUST,
}


async def place_in_segment(
    svc: Any, org_code: str, segment: int, headers: dict[str, str] = NATIONAL
) -> Any:
    current = await svc.client.get(f"/v1/organisations/{org_code}", headers=headers)
    assert current.status_code == 200, current.text
    return await svc.client.put(
        f"/v1/organisations/{org_code}/oversight-segment",
        json={"segment": segment, "effective_from": "2026-07-01", "reason_code": "nof_q1"},
        headers={**headers, "If-Match": current.headers["ETag"]},
    )


async def test_segments_need_if_match_and_keep_their_history(start_service: Any) -> None:
    async with start_service("talent") as svc:
        organisation = await svc.client.get(f"/v1/organisations/{CHALLENGED}", headers=NATIONAL)
        assert organisation.status_code == 200
        body = organisation.json()
        assert (body["segment"], body["challenged"], body["region_code"]) == (None, False, "Y56")
        assert body["icb_code"] is not None  # seeded dated membership

        without = await svc.client.put(
            f"/v1/organisations/{CHALLENGED}/oversight-segment",
            json={"segment": 4, "effective_from": "2026-07-01"},
            headers=NATIONAL,
        )
        assert without.status_code == 428
        assert without.headers["content-type"] == "application/problem+json"

        placed = await place_in_segment(svc, CHALLENGED, 4)
        assert placed.status_code == 200, placed.text
        assert (placed.json()["segment"], placed.json()["challenged"]) == (4, True)
        stale = await svc.client.put(
            f"/v1/organisations/{CHALLENGED}/oversight-segment",
            json={"segment": 5, "effective_from": "2026-08-01"},
            headers={**NATIONAL, "If-Match": organisation.headers["ETag"]},
        )
        assert stale.status_code == 412
        again = await svc.client.put(
            f"/v1/organisations/{CHALLENGED}/oversight-segment",
            json={"segment": 5, "effective_from": "2026-08-01"},
            headers={**NATIONAL, "If-Match": placed.headers["ETag"]},
        )
        assert again.status_code == 200
        history = await svc.client.get(
            f"/v1/organisations/{CHALLENGED}/oversight-segments", headers=NATIONAL
        )
        assert [(h["segment"], h["previous_segment"]) for h in history.json()["items"]] == [
            (5, 4),
            (4, None),
        ]
        challenged = await svc.client.get("/v1/organisations?challenged=true", headers=NATIONAL)
        assert [o["ods_code"] for o in challenged.json()["items"]] == [CHALLENGED]

        bad = await svc.client.put(
            f"/v1/organisations/{CHALLENGED}/oversight-segment",
            json={"segment": 6, "effective_from": "2026-08-01"},
            headers={**NATIONAL, "If-Match": again.headers["ETag"]},
        )
        assert bad.status_code == 422
        foreign = auth("talent:read talent:admin", org=OTHER_REGION_TRUST)
        refused = await svc.client.get(f"/v1/organisations/{CHALLENGED}", headers=foreign)
        assert refused.status_code == 403
        listed = await svc.client.get("/v1/organisations", headers=foreign)
        assert [o["ods_code"] for o in listed.json()["items"]] == [OTHER_REGION_TRUST]


async def test_icb_footprint_changes_are_dated(start_service: Any) -> None:
    async with start_service("talent") as svc:
        before = await svc.client.get(f"/v1/organisations/{CHALLENGED}", headers=NATIONAL)
        old_icb = before.json()["icb_code"]
        new_icb = "QKK" if old_icb != "QKK" else "QMJ"
        changed = await svc.client.post(
            f"/v1/organisations/{CHALLENGED}/icb-memberships",
            json={"icb_code": new_icb, "effective_from": "2026-04-01"},
            headers=NATIONAL,
        )
        assert changed.status_code == 201, changed.text
        history = await svc.client.get(
            f"/v1/organisations/{CHALLENGED}/icb-memberships", headers=NATIONAL
        )
        periods = [
            (m["icb_code"], m["effective_from"], m["effective_to"]) for m in history.json()["items"]
        ]
        assert periods == [(old_icb, "2022-07-01", "2026-04-01"), (new_icb, "2026-04-01", None)]
        now = await svc.client.get(f"/v1/organisations/{CHALLENGED}", headers=NATIONAL)
        assert now.json()["icb_code"] == new_icb
        repeat = await svc.client.post(
            f"/v1/organisations/{CHALLENGED}/icb-memberships",
            json={"icb_code": new_icb, "effective_from": "2026-05-01"},
            headers=NATIONAL,
        )
        assert repeat.status_code == 422
        regional = auth("talent:read talent:admin", region="Y56")
        refused = await svc.client.post(
            f"/v1/organisations/{CHALLENGED}/icb-memberships",
            json={"icb_code": old_icb, "effective_from": "2026-06-01"},
            headers=regional,
        )
        assert refused.status_code == 403


async def seed_candidates(svc: Any) -> None:
    """Three confirmed pool members in London and one in another region, with their readiness
    for an executive post and the aspirations of their latest appraisal."""
    await flows.import_people(
        svc.client,
        [
            flows.staff_row("5001", LONDON_TRUST),
            flows.staff_row("5002", LONDON_TRUST),
            flows.staff_row("5003", LONDON_TRUST),
            flows.staff_row("5004", OTHER_REGION_TRUST),
        ],
        NATIONAL,
    )
    now = datetime.now(UTC)
    wishes = {
        "5001": (
            "ready_now",
            {
                "direction": "stretch",
                "target_level": "executive",
                "mobility": "region",
                "challenged_organisation_interest": True,
            },
        ),
        "5002": (
            "ready_1_2_years",
            {
                "direction": "depth",
                "target_level": "executive",
                "mobility": "national",
                "challenged_organisation_interest": True,
            },
        ),
        "5003": (
            "ready_now",
            {
                "direction": "stretch",
                "target_level": "executive",
                "mobility": "region",
                "challenged_organisation_interest": False,
            },
        ),
        "5004": (
            "ready_now",
            {
                "direction": "stretch",
                "target_level": "executive",
                "mobility": "national",
                "challenged_organisation_interest": True,
            },
        ),
    }
    async with svc.db.session() as session, session.begin():
        pool = TalentPool(
            name="Aspiring executives, London",
            scope="region",
            scope_code="Y56",
            owner_code="Y56",
            rules={},
            created_by="test",
        )
        post = CriticalPost(
            org_code=LONDON_TRUST,
            role_title="Chief Operating Officer",
            level="executive",
            risk_of_loss="high",
            impact_of_loss="high",
        )
        session.add_all([pool, post])
        await session.flush()
        plan = SuccessionPlan(post_id=post.id, org_code=LONDON_TRUST, level="executive")
        session.add(plan)
        await session.flush()
        for rank, (person_id, (readiness, aspirations)) in enumerate(wishes.items(), start=1):
            org = OTHER_REGION_TRUST if person_id == "5004" else LONDON_TRUST
            session.add(
                PoolMembership(
                    pool_id=pool.id,
                    person_id=person_id,
                    org_code=org,
                    status="confirmed",
                    proposal={},
                )
            )
            session.add(
                SuccessionCandidate(
                    plan_id=plan.id,
                    post_id=post.id,
                    org_code=LONDON_TRUST,
                    level="executive",
                    person_id=person_id,
                    rank=rank,
                    computed_readiness=readiness,
                    readiness=readiness,
                    explanation={},
                    policy_version="2026.1",
                    computed_at=now,
                )
            )
            session.add(
                ProfileAppraisal(
                    appraisal_id=str(uuid.uuid4()),
                    person_id=person_id,
                    org_code=org,
                    cycle_year=2026,
                    aspirations=aspirations,
                    completed_at=now,
                )
            )


async def test_placement_from_matching_to_completion(start_service: Any) -> None:
    async with start_service("talent") as svc:
        await seed_candidates(svc)
        role_body = {**PACKAGE, "org_code": CHALLENGED}
        not_yet = await svc.client.post("/v1/challenged-roles", json=role_body, headers=NATIONAL)
        assert not_yet.status_code == 422
        assert not_yet.json()["errors"][0]["type"] == "not_challenged"
        assert (await place_in_segment(svc, CHALLENGED, 4)).status_code == 200

        too_much = await svc.client.post(
            "/v1/challenged-roles", json={**role_body, "pay_maximum": 185_000}, headers=NATIONAL
        )
        assert too_much.status_code == 422
        assert [e["path"] for e in too_much.json()["errors"]] == ["body.pay_approval_reference"]

        regional = auth("talent:read talent:write", region="Y56")
        created = await svc.client.post(
            "/v1/challenged-roles",
            json=role_body,
            headers={**regional, "Idempotency-Key": "role-1"},
        )
        assert created.status_code == 201, created.text
        role_id = created.json()["id"]
        replay = await svc.client.post(
            "/v1/challenged-roles",
            json=role_body,
            headers={**regional, "Idempotency-Key": "role-1"},
        )
        assert replay.json()["id"] == role_id

        matches = await svc.client.get(f"/v1/challenged-roles/{role_id}/matches", headers=regional)
        assert matches.status_code == 200, matches.text
        items = matches.json()["items"]
        # The region's token sees its own region's candidates only: 5004 is in another region.
        assert [(m["person_id"], m["fits"]) for m in items] == [
            ("5001", True),
            ("5002", True),
            ("5003", False),
        ]
        best = items[0]
        assert best["score"] == 1.0
        assert {f["factor"]: f["reason_code"] for f in best["factors"]} == {
            "readiness": "ready_now",
            "aspiration": "target_level_matches",
            "mobility": "within_mobility",
            "interest": "interested",
        }
        assert all(f["explanation"] for f in best["factors"])
        second = {f["factor"]: f for f in items[1]["factors"]}
        assert second["readiness"]["reason_code"] == "ready_1_2_years"
        assert second["aspiration"]["reason_code"] == "target_level_matches"
        assert items[2]["excluded_because"] == ["not_interested"]

        said_no = await svc.client.post(
            f"/v1/challenged-roles/{role_id}/offers", json={"person_id": "5003"}, headers=regional
        )
        assert said_no.status_code == 422
        offered = await svc.client.post(
            f"/v1/challenged-roles/{role_id}/offers",
            json={"person_id": "5001", "start_date": "2027-01-04"},
            headers={**regional, "Idempotency-Key": "offer-1"},
        )
        assert offered.status_code == 201, offered.text
        placement = offered.json()
        assert placement["status"] == "offered"
        assert placement["match"]["factors"][0]["reason_code"] == "ready_now"
        etag = offered.headers["ETag"]

        no_if_match = await svc.client.post(
            f"/v1/placements/{placement['id']}/transitions",
            json={"action": "accept"},
            headers=regional,
        )
        assert no_if_match.status_code == 428
        steps = [
            ({"action": "accept"}, "accepted"),
            ({"action": "start"}, "active"),
            ({"action": "complete", "outcome_code": "segment_improved"}, "completed"),
        ]
        for body, status in steps:
            moved = await svc.client.post(
                f"/v1/placements/{placement['id']}/transitions",
                json=body,
                headers={**regional, "If-Match": etag},
            )
            assert moved.status_code == 200, moved.text
            assert moved.json()["status"] == status
            etag = moved.headers["ETag"]
        done = moved.json()
        assert (done["outcome_code"], done["start_date"]) == ("segment_improved", "2027-01-04")

        wrong = await svc.client.post(
            f"/v1/placements/{placement['id']}/transitions",
            json={"action": "accept"},
            headers={**regional, "If-Match": etag},
        )
        assert wrong.status_code == 409
        role = await svc.client.get(f"/v1/challenged-roles/{role_id}", headers=regional)
        assert role.json()["status"] == "filled"

        async with svc.db.session() as session:
            rows = (
                await session.execute(
                    select(outbox).where(outbox.c.type == "leadership.placement.accepted.v1")
                )
            ).all()
        assert len(rows) == 1
        event = rows[0]
        assert event.subject == f"placements/{placement['id']}"
        assert event.payload["person_id"] == "5001"
        assert event.payload["package_code"] == "CHALLENGED-EXEC-2026"
        assert event.payload["role"] == "Chief Operating Officer"

        foreign = auth("talent:read talent:write", org=OTHER_REGION_TRUST)
        hidden = await svc.client.get(f"/v1/placements/{placement['id']}", headers=foreign)
        assert hidden.status_code == 403
        listed = await svc.client.get("/v1/placements", headers=foreign)
        assert listed.json()["items"] == []
