"""Recomputing a succession plan of 10,000 candidates, beside one raw SQL UPDATE doing the same.

A freshly migrated talent database gets 10,000 people with profile evidence (eligibility for the
senior level as standards would announce it, a latest appraisal with outcomes and aspirations,
some reopened, some old; a fit and proper assessment for some), a critical senior post and its
plan through the API, and the 10,000 candidates written straight into the table (naming them
one by one over HTTP would time 10,000 requests, not the recompute).

* measured: ``POST /v1/succession-plans/{id}/recompute`` of the real talent app (in-process,
  httpx's ASGI transport): the versioned policy judges every candidate with its explanation,
  changed rows are written with one executemany, every change puts ``readiness.changed`` in the
  outbox with one multi-row INSERT, and the bench strength is recounted and announced. Three
  passes: the first (every candidate changes), a repeat (nothing changes: no write, no event),
  and one after a tenth of the people's appraisals were reopened.
* baseline, same run, same database: one ``UPDATE ... FROM`` statement that computes the same
  readiness bands in SQL from the same evidence (no explanation, no events, no override, no
  bench), run in a transaction that is rolled back. Its counts per readiness must equal ours:
  that is the correctness check.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bench.common import (
    Result,
    SummaryRow,
    asyncpg_dsn,
    embedded_servers,
    postgres_version,
    rate,
    say,
)

GOAL_SECONDS = 5.0
ORG = "RR8"
NATIONAL = "talent:read talent:write talent:admin national"

# The readiness policy 2026.1 as one SQL statement (bands from talent.succession.domain).
BASELINE_UPDATE = """
WITH latest_appraisal AS (
    SELECT DISTINCT ON (person_id) person_id, completed_at, reopened_at,
           performance_outcome, behaviour_outcome, aspirations ->> 'target_level' AS target
    FROM profile_appraisals
    ORDER BY person_id, completed_at DESC, appraisal_id DESC
), latest_fppt AS (
    SELECT DISTINCT ON (person_id) person_id, outcome, assessed_at
    FROM profile_fppt ORDER BY person_id, assessed_at DESC, assessment_id
), levels(level, rank) AS (
    VALUES ('entry', 0), ('first_line', 1), ('middle', 2), ('senior', 3),
           ('executive', 4), ('board', 5)
), judged AS (
    SELECT c.id,
        COALESCE(e.eligible, false) AND NOT EXISTS (
            SELECT 1 FROM profile_credentials pc
            WHERE pc.person_id = c.person_id AND pc.revoked_at IS NOT NULL
              AND pc.credential_id = ANY (e.evidence_credential_ids)
        ) AS eligible,
        (a.person_id IS NOT NULL AND a.reopened_at IS NULL
            AND $1::timestamptz - a.completed_at <= interval '456 days') AS recent,
        (a.person_id IS NOT NULL AND a.reopened_at IS NULL
            AND a.performance_outcome IN ('meets', 'exceeds')
            AND a.behaviour_outcome IN ('meets', 'exceeds')) AS outcomes,
        (a.person_id IS NOT NULL AND a.reopened_at IS NULL AND tl.rank >= pl.rank) AS aspiration,
        (NOT c.board_post OR (f.outcome = 'pass'
            AND $1::timestamptz - f.assessed_at <= interval '400 days')) AS fit
    FROM succession_candidates c
    JOIN levels pl ON pl.level = c.level
    LEFT JOIN profile_eligibility e ON e.person_id = c.person_id AND e.level = c.level
    LEFT JOIN latest_appraisal a ON a.person_id = c.person_id
    LEFT JOIN levels tl ON tl.level = a.target
    LEFT JOIN latest_fppt f ON f.person_id = c.person_id
    WHERE c.plan_id = $2
)
UPDATE succession_candidates c SET computed_readiness = CASE
        WHEN j.eligible AND j.recent AND j.outcomes AND COALESCE(j.aspiration, false) AND j.fit
            THEN 'ready_now'
        WHEN j.recent AND j.outcomes AND COALESCE(j.aspiration, false) THEN 'ready_1_2_years'
        WHEN COALESCE(j.aspiration, false) THEN 'ready_3_plus_years'
        ELSE 'not_ready' END
FROM judged j WHERE j.id = c.id
"""


def _evidence(count: int, seed: int, now: datetime) -> dict[str, list[tuple[Any, ...]]]:
    rng = random.Random(seed)
    eligibility, appraisals, fppt, credentials = [], [], [], []
    for n in range(count):
        person_id = f"SB{n:08d}"
        credential_id = str(uuid.uuid4())
        credentials.append(
            (credential_id, person_id, ["MLF-2025-SENIOR"], ["senior"], now - timedelta(days=90))
        )
        if rng.random() < 0.7:
            eligible = rng.random() < 0.6
            eligibility.append(
                (
                    person_id,
                    "senior",
                    str(uuid.uuid4()),
                    ORG,
                    eligible,
                    ["senior.standards"] if eligible else [],
                    [] if eligible else ["senior.standards"],
                    "{}",
                    [credential_id] if eligible else [],
                    "2026.1",
                    now - timedelta(days=rng.randrange(1, 60)),
                )
            )
        if rng.random() < 0.85:
            appraisals.append(
                (
                    str(uuid.uuid4()),
                    person_id,
                    ORG,
                    2026,
                    rng.choice(("exceeds", "meets", "meets", "partially_meets")),
                    rng.choice(("exceeds", "meets", "meets", "not_met")),
                    json.dumps(
                        {"target_level": rng.choice(("middle", "senior", "senior", "executive"))}
                    ),
                    [],
                    now - timedelta(days=rng.choice((30, 200, 500))),
                    now - timedelta(days=1) if rng.random() < 0.05 else None,
                )
            )
        if rng.random() < 0.3:
            fppt.append(
                (
                    str(uuid.uuid4()),
                    person_id,
                    ORG,
                    "annual",
                    "pass" if rng.random() < 0.9 else "fail",
                    now - timedelta(days=rng.randrange(10, 500)),
                )
            )
    return {
        "eligibility": eligibility,
        "appraisals": appraisals,
        "fppt": fppt,
        "credentials": credentials,
    }


async def _load(conn: asyncpg.Connection, plan: dict[str, Any], count: int, seed: int) -> None:
    now = datetime.now(UTC)
    evidence = _evidence(count, seed, now)
    await conn.copy_records_to_table(
        "profile_credentials",
        records=[(c[0], c[1], c[2], c[3], c[4]) for c in evidence["credentials"]],
        columns=["credential_id", "person_id", "standards", "levels", "awarded_at"],
    )
    await conn.copy_records_to_table(
        "profile_eligibility",
        records=evidence["eligibility"],
        columns=[
            "person_id",
            "level",
            "determination_id",
            "org_code",
            "eligible",
            "met_requirement_ids",
            "unmet_requirement_ids",
            "unmet_detail",
            "evidence_credential_ids",
            "policy_version",
            "as_of",
        ],
    )
    await conn.copy_records_to_table(
        "profile_appraisals",
        records=evidence["appraisals"],
        columns=[
            "appraisal_id",
            "person_id",
            "org_code",
            "cycle_year",
            "performance_outcome",
            "behaviour_outcome",
            "aspirations",
            "development_programme_codes",
            "completed_at",
            "reopened_at",
        ],
    )
    await conn.copy_records_to_table(
        "profile_fppt",
        records=evidence["fppt"],
        columns=["assessment_id", "person_id", "org_code", "kind", "outcome", "assessed_at"],
    )
    await conn.copy_records_to_table(
        "succession_candidates",
        records=[
            (
                uuid.uuid4(),
                uuid.UUID(plan["id"]),
                uuid.UUID(plan["post_id"]),
                ORG,
                "senior",
                False,
                f"SB{n:08d}",
                n + 1,
                n % 50 == 0,
                "not_ready",
                "not_ready",
                "not_ready",
                "{}",
                "",
                now,
                1,
            )
            for n in range(count)
        ],
        columns=[
            "id",
            "plan_id",
            "post_id",
            "org_code",
            "level",
            "board_post",
            "person_id",
            "rank",
            "emergency_cover",
            "computed_readiness",
            "readiness",
            "announced_readiness",
            "explanation",
            "policy_version",
            "computed_at",
            "version",
        ],
    )
    await conn.execute("ANALYZE")


async def _counts(conn: asyncpg.Connection, plan_id: str, column: str) -> dict[str, int]:
    rows = await conn.fetch(
        f"SELECT {column} AS r, count(*) AS n FROM succession_candidates "
        "WHERE plan_id = $1 GROUP BY 1",
        uuid.UUID(plan_id),
    )
    return {row["r"]: row["n"] for row in rows}


async def _recompute(client: Any, plan_id: str, headers: dict[str, str]) -> dict[str, Any]:
    started = time.perf_counter()
    response = await client.post(
        f"/v1/succession-plans/{plan_id}/recompute", headers=headers, timeout=600
    )
    seconds = time.perf_counter() - started
    assert response.status_code == 200, response.text[:500]
    return {"seconds": round(seconds, 3), **response.json()}


async def _baseline(conn: asyncpg.Connection, plan_id: str) -> dict[str, Any]:
    async with conn.transaction():
        started = time.perf_counter()
        status = await conn.execute(BASELINE_UPDATE, datetime.now(UTC), uuid.UUID(plan_id))
        seconds = time.perf_counter() - started
        counts = await _counts(conn, plan_id, "computed_readiness")
        # Undo: the baseline only measures; it must not change what the service computed.
        raise _Rollback({"seconds": round(seconds, 3), "status": status, "counts": counts})


class _Rollback(Exception):
    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__("rollback")
        self.payload = payload


async def _run_all(pg: Any, candidates: int, seed: int) -> dict[str, Any]:
    from devstack.testing import auth, run_service

    async with run_service("talent", postgres=pg, broker=None) as svc:
        headers = auth(NATIONAL)
        post = await svc.client.post(
            "/v1/critical-posts",
            json={
                "org_code": ORG,
                "role_title": "Chief Nurse",
                "level": "senior",
                "risk_of_loss": "high",
                "impact_of_loss": "high",
            },
            headers=headers,
        )
        assert post.status_code == 201, post.text
        plan_response = await svc.client.post(
            "/v1/succession-plans", json={"post_id": post.json()["id"]}, headers=headers
        )
        assert plan_response.status_code == 201, plan_response.text
        plan = plan_response.json()
        conn = await asyncpg.connect(asyncpg_dsn(svc.database_url))
        try:
            say(f"talent_succession: loading {candidates:,} candidates with their evidence")
            await _load(conn, plan, candidates, seed)
            say("talent_succession: recompute (every candidate changes)")
            first = await _recompute(svc.client, plan["id"], headers)
            ours = await _counts(conn, plan["id"], "computed_readiness")
            events_first = await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE type = 'leadership.readiness.changed.v1'"
            )
            say("talent_succession: recompute again (nothing changes)")
            repeat = await _recompute(svc.client, plan["id"], headers)
            events_repeat = await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE type = 'leadership.readiness.changed.v1'"
            )
            say("talent_succession: raw SQL baseline")
            try:
                await _baseline(conn, plan["id"])
            except _Rollback as done:
                baseline = done.payload
            say("talent_succession: a tenth of the appraisals reopened, recompute")
            await conn.execute(
                "UPDATE profile_appraisals SET reopened_at = now() "
                "WHERE reopened_at IS NULL AND abs(hashtext(person_id)) % 10 = 0"
            )
            partial = await _recompute(svc.client, plan["id"], headers)
            plan_now = (
                await svc.client.get(f"/v1/succession-plans/{plan['id']}", headers=headers)
            ).json()
        finally:
            await conn.close()
    return {
        "first": first,
        "repeat": repeat,
        "partial": partial,
        "baseline": baseline,
        "service_counts": ours,
        "readiness_events_after_first": events_first,
        "readiness_events_after_repeat": events_repeat,
        "bench_strength_after_partial": plan_now["bench_strength"],
        "checks": {
            "baseline_agrees": baseline["counts"] == ours,
            "every_candidate_judged": first["candidates"] == candidates,
            "no_change_no_event": repeat["changed"] == 0 and events_repeat == events_first,
            "one_event_per_changed_readiness": events_first == first["readiness_changed"],
        },
    }


def run(*, candidates: int = 10_000, seed: int = 1) -> Result:
    result = Result(
        name="talent_succession",
        title="Recomputing a succession plan of 10,000 candidates against one raw SQL UPDATE",
        parameters={"candidates": candidates, "seed": seed},
    )
    with embedded_servers(broker=False) as (pg, _):
        result.details["postgres_version"] = postgres_version(pg)
        measured = asyncio.run(_run_all(pg, candidates, seed))
    result.details.update(measured)
    first, repeat, partial = measured["first"], measured["repeat"], measured["partial"]
    baseline = measured["baseline"]
    correct = all(measured["checks"].values())
    result.summary = [
        SummaryRow(
            metric=f"Plan recompute, {candidates:,} candidates all changing (s)",
            measured=f"{first['seconds']:.2f} s ({rate(candidates, first['seconds']):,.0f}/s)",
            goal=f"≤ {GOAL_SECONDS:.0f} s, same counts as the SQL baseline",
            baseline=f"one SQL UPDATE {baseline['seconds']:.2f} s",
            met=first["seconds"] <= GOAL_SECONDS and correct,
        ),
        SummaryRow(
            metric=f"Plan recompute, {candidates:,} candidates, nothing changes (s)",
            measured=f"{repeat['seconds']:.2f} s",
            goal="no write, no event",
            baseline=f"one SQL UPDATE {baseline['seconds']:.2f} s",
            met=measured["checks"]["no_change_no_event"],
        ),
        SummaryRow(
            metric=f"Plan recompute after 10% of appraisals reopened ({partial['changed']:,} "
            "changed) (s)",
            measured=f"{partial['seconds']:.2f} s",
            goal=f"≤ {GOAL_SECONDS:.0f} s",
            baseline=f"one SQL UPDATE {baseline['seconds']:.2f} s",
            met=partial["seconds"] <= GOAL_SECONDS,
        ),
    ]
    result.notes.append(
        "The service's recompute does more than the baseline: an explanation per candidate "
        "(every rule with its evidence), override handling, readiness.changed events in the "
        "outbox and the plan's bench strength; the baseline only sets the readiness column."
    )
    return result
