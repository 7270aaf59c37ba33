"""Replay: the admin endpoint rewinds the consumer group, the projections are rebuilt from the
topics, and the rebuilt state equals the live one (nothing new is announced)."""

from __future__ import annotations

import importlib.util
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from devstack.testing import auth, eventually
from talent.profiles.models import ProfileEvent

# The succession API tests' helpers (events as the other services publish them).
_spec = importlib.util.spec_from_file_location(
    "talent_succession_api_helpers", Path(__file__).with_name("test_talent_succession_api.py")
)
assert _spec is not None and _spec.loader is not None
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)

ADMIN = auth("talent:read talent:write talent:admin national")

# Columns that record when a row was processed, not what it says.
PROCESSING_COLUMNS = {"id", "recorded_at", "updated_at", "created_at", "computed_at", "version"}
PROJECTIONS = (
    "talent_profiles",
    "profile_credentials",
    "profile_appraisals",
    "profile_events",
    "profile_eligibility",
    "profile_compliance",
    "profile_board_roles",
    "profile_fppt",
)


async def snapshot(talent: Any, person_ids: list[str]) -> dict[str, list[dict]]:
    """The projected facts about ``person_ids`` and their candidacies, processing times aside."""
    state: dict[str, list[dict]] = {}
    async with talent.db.session() as session:
        for table in (*PROJECTIONS, "succession_candidates"):
            rows = await session.execute(
                text(f"SELECT * FROM {table} WHERE person_id = ANY(:ids)"), {"ids": person_ids}
            )
            cleaned = [
                {k: v for k, v in row._mapping.items() if k not in PROCESSING_COLUMNS}
                for row in rows
            ]
            state[table] = sorted(cleaned, key=repr)
        plans = await session.execute(
            text(
                "SELECT p.id, p.ready_now, p.ready_1_2_years, p.ready_3_plus_years, p.not_ready,"
                " p.total, p.risks FROM succession_plans p WHERE p.id IN"
                " (SELECT plan_id FROM succession_candidates WHERE person_id = ANY(:ids))"
            ),
            {"ids": person_ids},
        )
        state["succession_plans"] = sorted((dict(r._mapping) for r in plans), key=repr)
    return state


async def test_replay_rebuilds_identical_state(start_service: Any, embedded_broker: Any) -> None:
    ready, board = helpers.new_person_id(), helpers.new_person_id()
    async with (
        start_service("talent", run_workers=True) as talent,
        helpers.Producer(embedded_broker.bootstrap_servers) as producer,
    ):
        for person_id in (ready, board):
            await helpers.import_person(talent, person_id)
        plan = await helpers.make_plan(talent)
        first = await helpers.add_candidate(talent, plan["id"], ready, emergency_cover=True)
        second = await helpers.add_candidate(talent, plan["id"], board)

        credential_id = str(uuid.uuid4())
        appraisal_id = str(uuid.uuid4())
        await producer.send(
            "standards",
            "training.accredited",
            {
                "record_id": str(uuid.uuid4()),
                "credential_id": credential_id,
                "person_id": ready,
                "org_code": helpers.ORG,
                "programme_code": "NLA-ROSALIND-FRANKLIN",
                "standards": ["LMS-7"],
                "levels": ["senior"],
                "awarded_at": (datetime.now(UTC) - timedelta(days=30)).isoformat(),
            },
        )
        await producer.send(
            "standards",
            "eligibility.changed",
            helpers.eligibility(ready, eligible=True, evidence=[credential_id]),
        )
        await producer.send(
            "standards",
            "compliance.changed",
            {
                "determination_id": str(uuid.uuid4()),
                "person_id": ready,
                "org_code": helpers.ORG,
                "statutory_mandatory_complete": False,
                "overdue_programme_codes": ["STAT-FIRE-SAFETY"],
                "expired_programme_codes": [],
                "expiring_programme_codes": [],
                "as_of": datetime.now(UTC).isoformat(),
            },
        )
        await producer.send(
            "appraisal", "appraisal.completed", helpers.appraisal_completed(ready, appraisal_id)
        )
        # The second candidate: completed, then reopened (so no evidence), and on a board.
        other_appraisal = str(uuid.uuid4())
        await producer.send(
            "appraisal", "appraisal.completed", helpers.appraisal_completed(board, other_appraisal)
        )
        await producer.send(
            "appraisal",
            "appraisal.reopened",
            {
                "appraisal_id": other_appraisal,
                "person_id": board,
                "reason_code": "late_evidence",
                "reopened_at": datetime.now(UTC).isoformat(),
            },
        )
        appointment_id = str(uuid.uuid4())
        await producer.send(
            "ned",
            "ned.appointed",
            {
                "appointment_id": appointment_id,
                "person_id": board,
                "org_code": helpers.ORG,
                "seat_id": str(uuid.uuid4()),
                "seat_role": "non_executive",
                "term_start": "2024-04-01",
                "term_end": "2027-03-31",
                "term_number": 1,
                "appointing_body": "nhs_england",
                "appointed_at": "2024-03-01T09:00:00Z",
            },
        )
        await producer.send(
            "ned",
            "ned.term.ended",
            {
                "appointment_id": appointment_id,
                "person_id": board,
                "org_code": helpers.ORG,
                "seat_role": "non_executive",
                "term_number": 1,
                "ended_on": "2026-09-30",
                "reason_code": "resigned",
            },
        )
        await helpers.readiness_becomes(talent, first["id"], "ready_now")

        async def all_applied() -> bool:
            async with talent.db.session() as session:
                count = await session.scalar(
                    select(func.count()).where(ProfileEvent.person_id.in_([ready, board]))
                )
            return count == 8

        await eventually(all_applied, timeout=20)
        assert (await helpers.candidate(talent, second["id"]))["readiness"] == "not_ready"
        before = await snapshot(talent, [ready, board])
        assert len(before["profile_events"]) == 8
        assert before["profile_board_roles"][0]["ended_on"] is not None
        announced = await helpers.outbox_events(talent, "readiness.changed")
        plan_updates = await helpers.outbox_events(talent, "succession.plan.updated")

        requested = await talent.client.post("/v1/admin/replays", headers=ADMIN)
        assert requested.status_code == 202, requested.text
        replay_id = requested.json()["id"]
        twice = await talent.client.post("/v1/admin/replays", headers=ADMIN)
        assert twice.status_code == 409
        org_bound = await talent.client.post(
            "/v1/admin/replays", headers=auth("talent:admin", org=helpers.ORG)
        )
        assert org_bound.status_code == 403

        async def completed() -> dict | None:
            response = await talent.client.get(f"/v1/admin/replays/{replay_id}", headers=ADMIN)
            body = response.json()
            assert body["status"] != "failed", body
            return body if body["status"] == "completed" else None

        done = await eventually(completed, timeout=60, interval=0.2)
        assert done["target_offsets"], done
        reset_at = datetime.fromisoformat(done["reset_at"])

        # Every projected row was written again after the reset...
        async with talent.db.session() as session:
            rewritten = await session.scalar(
                select(func.count()).where(
                    ProfileEvent.person_id.in_([ready, board]), ProfileEvent.recorded_at > reset_at
                )
            )
        assert rewritten == 8
        # ...and says what it said before; nothing new was announced.
        assert await snapshot(talent, [ready, board]) == before
        assert await helpers.outbox_events(talent, "readiness.changed") == announced
        assert await helpers.outbox_events(talent, "succession.plan.updated") == plan_updates

        # The consumer goes on from where the history ends.
        await producer.send(
            "appraisal",
            "appraisal.reopened",
            {
                "appraisal_id": appraisal_id,
                "person_id": ready,
                "reason_code": "late_evidence",
                "reopened_at": datetime.now(UTC).isoformat(),
            },
        )
        await helpers.readiness_becomes(talent, first["id"], "not_ready")
        listed = await talent.client.get("/v1/admin/replays", headers=ADMIN)
        assert [r["id"] for r in listed.json()["items"]] == [replay_id]
