"""The regional oversight report over the 1.5-million-person synthetic workforce, beside the raw
SQL aggregate it is built on, in the same run.

A freshly migrated talent database gets the generator's workforce (bench/data) with its
restricted characteristics by ``COPY``, and, drawn from a fixed seed, the facts the report
counts: non-mandatory and statutory training completions, this cycle's completed appraisals,
managers' eligibility determinations, confirmed pool members, ready-now successors in
succession plans, and placements.

* measured: ``POST /v1/analytics:refresh`` once (the worker's recount of every organisation's
  grouped figures into the summary), then ``GET /v1/analytics/oversight/region/{code}`` of the
  real talent app (in-process, httpx's ASGI transport) for the region with the most staff: the
  region's summary rows, disclosure control of every figure, shares, relative likelihoods,
  pipeline diversity and the JSON rendering. Latency percentiles over repeated requests (after
  one warm-up request).
* baseline, same run, same database: the same counts by one hand-written SQL statement over
  asyncpg (no disclosure control, no rendering), repeated the same number of times. Its total
  staff count must equal the one the report was computed from (checked before rounding).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bench.common import (
    Result,
    SummaryRow,
    asyncpg_dsn,
    embedded_servers,
    latency_summary,
    postgres_version,
    say,
)
from bench.data import people

GOAL_P95_MS = 300.0
ANALYST = "talent:read talent:analytics national"

PEOPLE_COLUMNS = (
    "person_id",
    "id",
    "org_code",
    "job_title",
    "staff_group",
    "band",
    "line_manager_id",
    "is_line_manager",
    "start_date",
    "status",
    "left_on",
    "professional_registration",
    "version",
)

BASELINE_SQL = """
SELECT c.ethnic_category, c.disability, c.sex,
       count(*) AS staff,
       count(*) FILTER (WHERE p.is_line_manager) AS managers,
       count(*) FILTER (WHERE p.is_line_manager AND EXISTS (
           SELECT 1 FROM profile_eligibility e WHERE e.person_id = p.person_id AND e.eligible)
       ) AS compliant,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM profile_appraisals a WHERE a.person_id = p.person_id
             AND a.cycle_year = $2 AND a.reopened_at IS NULL)) AS appraised,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM analytics_training_completions t WHERE t.person_id = p.person_id
             AND t.category <> 'statutory_mandatory')) AS trained,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM pool_memberships m WHERE m.person_id = p.person_id
             AND m.status = 'confirmed')) AS pooled,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM review_assessments r WHERE r.person_id = p.person_id
             AND r.potential = 'high')) AS high_potential,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM succession_candidates s WHERE s.person_id = p.person_id
             AND s.readiness = 'ready_now')) AS ready_now,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM placements x WHERE x.person_id = p.person_id
             AND x.status IN ('accepted', 'active', 'completed'))) AS placed
FROM people p
LEFT JOIN person_protected_characteristics c ON c.person_id = p.person_id
WHERE p.status = 'active' AND p.org_code = ANY($1::varchar[])
GROUP BY p.org_code, c.ethnic_category, c.disability, c.sex
"""


def _people_records(
    size: int, seed: int
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[dict[str, Any]]]:
    rows, characteristics, facts = [], [], []
    for person in people(size, seed=seed):
        rows.append(
            (
                person["person_id"],
                uuid.uuid4(),
                person["org_code"],
                person["job_title"],
                person["staff_group"],
                person["band"],
                person["line_manager_id"],
                bool(person["is_line_manager"]),
                datetime.fromisoformat(person["start_date"]).date(),
                person["status"],
                datetime.fromisoformat(person["left_on"]).date() if person["left_on"] else None,
                person["professional_registration"],
                1,
            )
        )
        characteristics.append(
            (person["person_id"], person["ethnic_category"], person["disability"], person["sex"])
        )
        facts.append(
            {
                "person_id": person["person_id"],
                "org_code": person["org_code"],
                "manager": bool(person["is_line_manager"]),
            }
        )
    return rows, characteristics, facts


async def _load(conn: asyncpg.Connection, size: int, seed: int) -> dict[str, int]:
    say(f"talent_oversight: generating {size:,} people")
    rows, characteristics, facts = _people_records(size, seed)
    say("talent_oversight: COPY people and characteristics")
    await conn.copy_records_to_table("people", records=rows, columns=list(PEOPLE_COLUMNS))
    await conn.copy_records_to_table(
        "person_protected_characteristics",
        records=characteristics,
        columns=["person_id", "ethnic_category", "disability", "sex"],
    )
    rng = random.Random(seed)
    now = datetime.now(UTC)
    training: list[tuple[Any, ...]] = []
    appraisals: list[tuple[Any, ...]] = []
    eligibility: list[tuple[Any, ...]] = []
    pool: list[tuple[Any, ...]] = []
    candidates: list[tuple[Any, ...]] = []
    placements: list[tuple[Any, ...]] = []
    pool_id, post_id, plan_id, role_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for fact in facts:
        person, org = fact["person_id"], fact["org_code"]
        if rng.random() < 0.35:
            training.append(
                (
                    str(uuid.uuid4()),
                    person,
                    org,
                    "NLA-MARY-SEACOLE",
                    "leadership",
                    now - timedelta(days=40),
                )
            )
        if rng.random() < 0.6:
            training.append(
                (
                    str(uuid.uuid4()),
                    person,
                    org,
                    "CSTF-FIRE",
                    "statutory_mandatory",
                    now - timedelta(days=20),
                )
            )
        if rng.random() < 0.8:
            appraisals.append((str(uuid.uuid4()), person, org, 2026, [], now - timedelta(days=30)))
        if fact["manager"] and rng.random() < 0.6:
            eligibility.append(
                (
                    person,
                    "first_line",
                    str(uuid.uuid4()),
                    org,
                    True,
                    [],
                    [],
                    "{}",
                    [],
                    "2026.1",
                    now,
                )
            )
        if rng.random() < 0.01:
            pool.append((uuid.uuid4(), pool_id, person, org, "confirmed", "{}", 1))
            if rng.random() < 0.3:
                candidates.append(
                    (
                        uuid.uuid4(),
                        plan_id,
                        post_id,
                        org,
                        "executive",
                        False,
                        person,
                        len(candidates) + 1,
                        False,
                        "ready_now",
                        "ready_now",
                        "{}",
                        "2026.1",
                        now,
                        1,
                    )
                )
            if rng.random() < 0.02:
                placements.append((uuid.uuid4(), role_id, org, person, "active", 1))
    say("talent_oversight: COPY the facts the report counts")
    await conn.copy_records_to_table(
        "analytics_training_completions",
        records=training,
        columns=[
            "record_id",
            "person_id",
            "org_code",
            "programme_code",
            "category",
            "completed_at",
        ],
    )
    await conn.copy_records_to_table(
        "profile_appraisals",
        records=appraisals,
        columns=[
            "appraisal_id",
            "person_id",
            "org_code",
            "cycle_year",
            "development_programme_codes",
            "completed_at",
        ],
    )
    await conn.copy_records_to_table(
        "profile_eligibility",
        records=eligibility,
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
    await conn.execute(
        "INSERT INTO talent_pools (id, name, scope, owner_code, rules, version, created_by) "
        "VALUES ($1, 'Aspiring executives', 'national', 'ENG', '{}', 1, 'bench')",
        pool_id,
    )
    await conn.copy_records_to_table(
        "pool_memberships",
        records=pool,
        columns=["id", "pool_id", "person_id", "org_code", "status", "proposal", "version"],
    )
    first_org = facts[0]["org_code"]
    await conn.execute(
        "INSERT INTO critical_posts (id, org_code, role_title, level, board_post, risk_of_loss, "
        "impact_of_loss, version) VALUES ($1, $2, 'Chief Operating Officer', 'executive', false, "
        "'high', 'high', 1)",
        post_id,
        first_org,
    )
    await conn.execute(
        "INSERT INTO succession_plans (id, post_id, org_code, level, ready_now, ready_1_2_years, "
        "ready_3_plus_years, not_ready, total, risks, version) VALUES ($1, $2, $3, 'executive', "
        "$4, 0, 0, 0, $4, '{}', 1)",
        plan_id,
        post_id,
        first_org,
        len(candidates),
    )
    await conn.copy_records_to_table(
        "succession_candidates",
        records=candidates,
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
            "explanation",
            "policy_version",
            "computed_at",
            "version",
        ],
    )
    await conn.execute(
        "INSERT INTO challenged_roles (id, org_code, title, level, status, package_code, "
        "relocation_support, pay_minimum, pay_maximum, protected_development_days, mentor, "
        "peer_network, coach, improvement_time_months, improvement_plan_peer_review, created_by, "
        "version) VALUES ($1, $2, 'Chief Executive', 'executive', 'filled', 'BENCH', true, 150000, "
        "165000, 10, true, true, true, 24, false, 'bench', 1)",
        role_id,
        first_org,
    )
    await conn.copy_records_to_table(
        "placements",
        records=placements,
        columns=["id", "role_id", "org_code", "person_id", "status", "version"],
    )
    say("talent_oversight: ANALYZE")
    await conn.execute("ANALYZE")
    return {
        "people": len(facts),
        "training_records": len(training),
        "appraisals": len(appraisals),
        "eligibility": len(eligibility),
        "pool_members": len(pool),
        "ready_now_candidates": len(candidates),
        "placements": len(placements),
    }


def _busiest_region(facts_by_org: Counter[str]) -> str:
    from shared.reference.organisations import region_of

    by_region: Counter[str] = Counter()
    for org, count in facts_by_org.items():
        region = region_of(org)
        if region is not None:
            by_region[region] += count
    return by_region.most_common(1)[0][0]


async def _run_all(pg: Any, size: int, seed: int, requests: int) -> dict[str, Any]:
    from devstack.testing import auth, run_service
    from shared.reference.organisations import organisations_in_region

    async with run_service("talent", postgres=pg, broker=None) as svc:
        conn = await asyncpg.connect(asyncpg_dsn(svc.database_url))
        try:
            loaded = await _load(conn, size, seed)
            staff_by_org = Counter(
                {
                    r["org_code"]: r["n"]
                    for r in await conn.fetch(
                        "SELECT org_code, count(*) AS n FROM people "
                        "WHERE status = 'active' GROUP BY 1"
                    )
                }
            )
            region = _busiest_region(staff_by_org)
            org_codes = sorted({region, *(o.ods_code for o in organisations_in_region(region))})
            region_staff = sum(staff_by_org.get(code, 0) for code in org_codes)
            headers = auth(ANALYST)
            say("talent_oversight: refresh the summary of every organisation's figures")
            refresh_started = time.perf_counter()
            refreshed = await svc.client.post(
                "/v1/analytics:refresh",
                headers=auth("talent:admin talent:analytics national"),
                timeout=1800,
            )
            refresh_seconds = time.perf_counter() - refresh_started
            assert refreshed.status_code == 200, refreshed.text[:500]
            url = f"/v1/analytics/oversight/region/{region}"
            say(
                f"talent_oversight: {requests} reports of region {region} "
                f"({region_staff:,} active staff)"
            )
            warm = await svc.client.get(url, headers=headers, timeout=600)
            assert warm.status_code == 200, warm.text[:500]
            report_seconds = []
            for _ in range(requests):
                started = time.perf_counter()
                response = await svc.client.get(url, headers=headers, timeout=600)
                report_seconds.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text[:500]
            report = response.json()
            csv_started = time.perf_counter()
            as_csv = await svc.client.get(
                url, headers={**headers, "Accept": "text/csv"}, timeout=600
            )
            csv_seconds = time.perf_counter() - csv_started
            assert as_csv.status_code == 200
            say("talent_oversight: the raw SQL aggregate")
            await conn.fetch(BASELINE_SQL, org_codes, 2026)
            baseline_seconds = []
            for _ in range(requests):
                started = time.perf_counter()
                rows = await conn.fetch(BASELINE_SQL, org_codes, 2026)
                baseline_seconds.append(time.perf_counter() - started)
            baseline_staff = sum(r["staff"] for r in rows)
            plan = await conn.fetch(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + BASELINE_SQL, org_codes, 2026
            )
        finally:
            await conn.close()
    reported_total = report["workforce"]["ethnicity"]["total"]
    return {
        "loaded": loaded,
        "region": region,
        "region_organisations": len(org_codes),
        "region_active_staff": region_staff,
        "refresh_seconds": round(refresh_seconds, 2),
        "refresh_cells": refreshed.json()["cells"],
        "report": latency_summary(report_seconds),
        "report_csv_seconds": round(csv_seconds, 3),
        "baseline": latency_summary(baseline_seconds),
        "baseline_plan": [r[0] for r in plan][:40],
        "checks": {
            "baseline_counts_every_active_person": baseline_staff == region_staff,
            # The report publishes the total rounded to 5: the same population, controlled.
            "report_total_is_the_rounded_population": reported_total == (region_staff + 2) // 5 * 5,
        },
    }


def run(*, size: int = 1_500_000, seed: int = 1, requests: int = 20) -> Result:
    result = Result(
        name="talent_oversight",
        title=(
            "Regional oversight report over the synthetic NHS workforce against the raw SQL "
            "aggregate"
        ),
        parameters={"size": size, "seed": seed, "requests": requests},
    )
    with embedded_servers(broker=False) as (pg, _):
        result.details["postgres_version"] = postgres_version(pg)
        measured = asyncio.run(_run_all(pg, size, seed, requests))
    result.details.update(measured)
    report, baseline = measured["report"], measured["baseline"]
    correct = all(measured["checks"].values())
    result.summary = [
        SummaryRow(
            metric=(
                f"Oversight report of region {measured['region']} "
                f"({measured['region_active_staff']:,} staff of {size:,}), p95 (ms)"
            ),
            measured=f"p50 {report['p50_ms']:.0f} ms, p95 {report['p95_ms']:.0f} ms",
            goal=f"p95 ≤ {GOAL_P95_MS:.0f} ms, same population as the SQL aggregate",
            baseline=(
                f"raw SQL aggregate p50 {baseline['p50_ms']:.0f} ms, "
                f"p95 {baseline['p95_ms']:.0f} ms"
            ),
            met=report["p95_ms"] <= GOAL_P95_MS and correct,
        ),
    ]
    result.summary.append(
        SummaryRow(
            metric=f"Summary refresh of every organisation ({size:,} people) (s)",
            measured=f"{measured['refresh_seconds']:.1f} s ({measured['refresh_cells']:,} cells)",
            goal="a scheduled job, minutes apart",
            baseline=f"raw SQL aggregate of one region p50 {baseline['p50_ms']:.0f} ms",
            met=None,
        )
    )
    result.notes.append(
        "The report reads the grouped counts the refresh wrote (the same grouped aggregate as "
        "the baseline, run once for every organisation), then applies disclosure "
        "control (suppression, rounding, secondary suppression), derives shares and relative "
        "likelihoods from the published figures and renders JSON; the baseline only counts."
    )
    return result
