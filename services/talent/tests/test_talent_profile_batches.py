"""A run of profile events applied set-based leaves exactly what applying them one by one does.

The same sequence (duplicates, a revocation before its award, a credential claimed for another
person, an appraisal completed, reopened and completed again, stale determinations, two
persons of whom one is a succession candidate) is applied on two fresh databases: once event by
event, each in its own transaction, through the single handlers; once in one transaction,
through the batch handlers, run by run as the consumer groups them. Everything stored must be
the same, apart from the ids and times that record when a row was written.
"""

from __future__ import annotations

import importlib.util
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from shared.events.cloudevents import Envelope
from talent.profiles.consumers import SUBSCRIPTIONS

_spec = importlib.util.spec_from_file_location(
    "talent_succession_api_helpers_batches",
    Path(__file__).with_name("test_talent_succession_api.py"),
)
assert _spec is not None and _spec.loader is not None
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)

NOW = datetime.now(UTC)
# Columns that say when or in which order a row was written, not what it says. The candidate's
# version counts its rewrites, which the single path does once per event.
WRITE_COLUMNS = {"id", "recorded_at", "updated_at", "created_at", "computed_at"}
TABLES = (
    "talent_profiles",
    "profile_credentials",
    "profile_appraisals",
    "profile_eligibility",
    "profile_compliance",
)


def _at(days: int) -> str:
    return (NOW + timedelta(days=days)).isoformat()


def _sequence(candidate: str, other: str) -> list[tuple[str, dict[str, Any]]]:
    c1, c2, c3, c4 = (str(uuid.uuid4()) for _ in range(4))
    a1, a2 = str(uuid.uuid4()), str(uuid.uuid4())

    def accredited(person_id: str, credential_id: str, programme: str) -> dict[str, Any]:
        return {
            "record_id": str(uuid.uuid4()),
            "credential_id": credential_id,
            "person_id": person_id,
            "org_code": helpers.ORG,
            "programme_code": programme,
            "standards": ["LMS-7"],
            "levels": ["senior"],
            "awarded_at": _at(-40),
        }

    def revoked(person_id: str, credential_id: str) -> dict[str, Any]:
        return {
            "credential_id": credential_id,
            "person_id": person_id,
            "reason_code": "issued_in_error",
            "revoked_at": _at(-5),
        }

    eligible = helpers.eligibility(candidate, eligible=True, evidence=[c1], as_of=_at(-3))
    stale = helpers.eligibility(candidate, eligible=False, as_of=_at(-20))
    compliance = {
        "determination_id": str(uuid.uuid4()),
        "person_id": candidate,
        "org_code": helpers.ORG,
        "statutory_mandatory_complete": False,
        "overdue_programme_codes": ["STAT-FIRE-SAFETY"],
        "as_of": _at(-4),
    }
    newer_compliance = compliance | {"determination_id": str(uuid.uuid4()), "as_of": _at(-2)}
    return [
        # One run of awards: a repeat under a new event id, and a credential of the other
        # person claimed for the candidate.
        ("training.accredited", accredited(candidate, c1, "NLA-ROSALIND-FRANKLIN")),
        ("training.accredited", accredited(candidate, c1, "NLA-ROSALIND-FRANKLIN")),
        ("training.accredited", accredited(other, c4, "NLA-MARY-SEACOLE")),
        ("training.accredited", accredited(candidate, c4, "NLA-MARY-SEACOLE")),
        # Revocations: one before its award (twice), one of the candidate's credential.
        ("credential.revoked", revoked(other, c2)),
        ("credential.revoked", revoked(other, c2)),
        ("credential.revoked", revoked(candidate, c1)),
        # The award that was revoked before it arrived, and a new one for the candidate.
        ("training.accredited", accredited(other, c2, "NHS-INDUCTION")),
        ("training.accredited", accredited(candidate, c3, "NLA-ROSALIND-FRANKLIN")),
        # Appraisals: completed, repeated, then reopened (twice) and one never seen here.
        ("appraisal.completed", helpers.appraisal_completed(candidate, a1, completed_at=_at(-9))),
        ("appraisal.completed", helpers.appraisal_completed(candidate, a1, completed_at=_at(-9))),
        (
            "appraisal.completed",
            helpers.appraisal_completed(other, a2, completed_at=_at(-8), org_code="RTH"),
        ),
        (
            "appraisal.reopened",
            {"appraisal_id": a1, "person_id": candidate, "reopened_at": _at(-7)},
        ),
        (
            "appraisal.reopened",
            {"appraisal_id": a1, "person_id": candidate, "reopened_at": _at(-7)},
        ),
        (
            "appraisal.reopened",
            {"appraisal_id": str(uuid.uuid4()), "person_id": other, "reopened_at": _at(-7)},
        ),
        # Completed again after the reopening, alone in its run.
        ("appraisal.completed", helpers.appraisal_completed(candidate, a1, completed_at=_at(-6))),
        # Eligibility, a late older determination, and the other person's.
        ("eligibility.changed", eligible),
        ("eligibility.changed", stale),
        ("eligibility.changed", helpers.eligibility(other, eligible=False, as_of=_at(-3))),
        ("compliance.changed", compliance),
        ("compliance.changed", newer_compliance),
        ("compliance.changed", newer_compliance),
    ]


def _envelopes(sequence: list[tuple[str, dict[str, Any]]]) -> list[tuple[Envelope, Any]]:
    items = []
    for index, (name, data) in enumerate(sequence):
        source = (
            "/leadership/appraisal" if name.startswith("appraisal") else "/leadership/standards"
        )
        event_type = f"leadership.{name}.v1"
        envelope = Envelope(
            id=str(uuid.uuid4()),
            source=source,
            type=event_type,
            time=NOW + timedelta(seconds=index),
            subject=None,
            data=data,
            key=data["person_id"],
        )
        model = SUBSCRIPTIONS[event_type].model
        items.append((envelope, model.model_validate(data)))
    return items


def _runs(items: list[tuple[Envelope, Any]]) -> list[list[tuple[Envelope, Any]]]:
    runs: list[list[tuple[Envelope, Any]]] = []
    for item in items:
        if runs and runs[-1][0][0].type == item[0].type:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


async def _setup(talent: Any, candidate: str, other: str) -> str:
    for person_id in (candidate, other):
        await helpers.import_person(talent, person_id)
    plan = await helpers.make_plan(talent)
    made = await helpers.add_candidate(talent, plan["id"], candidate, emergency_cover=True)
    return str(made["id"])


async def _snapshot(talent: Any, person_ids: list[str]) -> dict[str, list[Any]]:
    state: dict[str, list[Any]] = {}
    async with talent.db.session() as session:
        for table in TABLES:
            rows = await session.execute(
                text(f"SELECT * FROM {table} WHERE person_id = ANY(:ids)"), {"ids": person_ids}
            )
            state[table] = sorted(
                ({k: v for k, v in r._mapping.items() if k not in WRITE_COLUMNS} for r in rows),
                key=repr,
            )
        # In the order they were recorded: the audit must keep the event order too.
        events = await session.execute(
            text(
                "SELECT person_id, event_id, event_source, event_type, event_time, outcome"
                " FROM profile_events WHERE person_id = ANY(:ids) ORDER BY id"
            ),
            {"ids": person_ids},
        )
        state["profile_events"] = [dict(r._mapping) for r in events]
        candidates = await session.execute(
            text(
                "SELECT person_id, level, computed_readiness, readiness, announced_readiness,"
                " explanation, policy_version FROM succession_candidates"
                " WHERE person_id = ANY(:ids)"
            ),
            {"ids": person_ids},
        )
        state["succession_candidates"] = [dict(r._mapping) for r in candidates]
    return state


async def test_batch_handlers_leave_what_single_handlers_leave(start_service: Any) -> None:
    candidate, other = helpers.new_person_id(), helpers.new_person_id()
    items = _envelopes(_sequence(candidate, other))
    runs = _runs(items)
    # The sequence exercises runs of several events for every batch handler.
    batched_types = {run[0][0].type for run in runs if len(run) > 1}
    assert batched_types == {
        f"leadership.{name}.v1"
        for name in (
            "training.accredited",
            "credential.revoked",
            "appraisal.completed",
            "appraisal.reopened",
            "eligibility.changed",
            "compliance.changed",
        )
    }

    async with (
        start_service("talent") as one_by_one,
        start_service("talent") as batched,
    ):
        await _setup(one_by_one, candidate, other)
        await _setup(batched, candidate, other)
        before = await _snapshot(batched, [candidate, other])

        for envelope, event in items:
            async with one_by_one.db.session() as session, session.begin():
                await SUBSCRIPTIONS[envelope.type].handler(session, envelope, event)

        async with batched.db.session() as session, session.begin():
            for run in runs:
                batch_handler = SUBSCRIPTIONS[run[0][0].type].batch_handler
                assert batch_handler is not None
                # Every run, even of one event, through the batch handler.
                await batch_handler(session, run)

        expected = await _snapshot(one_by_one, [candidate, other])
        actual = await _snapshot(batched, [candidate, other])

    assert actual == expected
    # And the sequence did what it was built to do, so the comparison above means something.
    outcomes = Counter(row["outcome"] for row in actual["profile_events"])
    assert outcomes == {
        "applied": 14,
        "duplicate": 5,
        "stale": 1,
        "unknown_subject": 1,
        "person_mismatch": 1,
    }
    versions = {row["person_id"]: row["version"] for row in actual["talent_profiles"]}
    assert versions == {candidate: 9, other: 5}
    credentials = {row["credential_id"]: row for row in actual["profile_credentials"]}
    assert len(credentials) == 4
    revoked_before_award = [
        row for row in credentials.values() if row["person_id"] == other and row["revoked_at"]
    ]
    assert len(revoked_before_award) == 1
    assert revoked_before_award[0]["programme_code"] == "NHS-INDUCTION"
    completed_again = [r for r in actual["profile_appraisals"] if r["person_id"] == candidate]
    assert completed_again[0]["reopened_at"] is None
    assert actual["succession_candidates"] != before["succession_candidates"]
    assert actual["succession_candidates"][0]["explanation"]["rules"]


async def test_codes_with_array_syntax_are_stored_as_sent(start_service: Any) -> None:
    # The batch path sends lists as PostgreSQL array literals: quotes, backslashes, commas,
    # braces, blanks and the word NULL inside a code must come back unchanged.
    person_id = helpers.new_person_id()
    awkward = ['a"b', "c\\d", "e,f", "{g}", "NULL", " h ", "ü"]
    data = [
        {
            "credential_id": str(uuid.uuid4()),
            "person_id": person_id,
            "programme_code": "NHS-INDUCTION",
            "standards": awkward,
            "levels": [],
            "awarded_at": _at(-1),
        }
        for _ in range(2)
    ]
    items = _envelopes([("training.accredited", d) for d in data])
    async with start_service("talent") as talent:
        async with talent.db.session() as session, session.begin():
            batch_handler = SUBSCRIPTIONS["leadership.training.accredited.v1"].batch_handler
            assert batch_handler is not None
            await batch_handler(session, items)
        async with talent.db.session() as session:
            rows = await session.execute(
                text("SELECT standards, levels FROM profile_credentials WHERE person_id = :p"),
                {"p": person_id},
            )
            stored = [(list(r.standards), list(r.levels)) for r in rows]
    assert stored == [(awkward, []), (awkward, [])]
