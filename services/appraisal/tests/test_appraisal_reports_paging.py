"""The completion and distribution reports paged in SQL give, page by page, exactly the figures
of the whole report controlled at once: secondary suppression still sees every member of a
group, whichever page a row falls on and whoever asks."""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import insert

from appraisal.appraisals.models import Appraisal
from appraisal.reports import domain
from devstack.testing import auth
from shared.disclosure import DEFAULT_POLICY, control_breakdown, control_rate
from shared.reference.organisations import icb_of, region_of

NATIONAL = auth("appraisal:read national")
OUTCOMES = ["exceeds", "meets", "partially_meets", "not_met"]
# Completed (c) and still open (o) appraisals of the 2026/27 cycle per organisation, with the
# performance outcomes of the completed ones. West Yorkshire (QWO) holds RR8, RAE, RY6 and
# TAD; RCF (Airedale) too. Guy's (RJ1) and South London and Maudsley (RV5) are in London
# (Y56). RY6 and TAD are small, so suppression (and secondary suppression) comes into play.
SEEDED: dict[str, tuple[list[int], int]] = {
    "RR8": ([12, 20, 6, 1], 9),
    "RAE": ([3, 18, 4, 0], 4),
    "RCF": ([5, 16, 2, 2], 12),
    "RY6": ([0, 2, 1, 0], 1),
    "TAD": ([1, 8, 0, 0], 0),
    "RJ1": ([9, 30, 8, 3], 6),
    "RV5": ([2, 11, 1, 0], 3),
}


def _row(person_id: str, org_code: str, status: str, outcome: str | None) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "person_id": person_id,
        "org_code": org_code,
        "appraiser_id": "799999",
        "cycle_year": 2026,
        "template_version": "2025.1",
        "status": status,
        "performance_outcome": outcome,
        "behaviour_outcome": "meets" if outcome else None,
        "version": 3,
        "completed_at": datetime.now(UTC) if status == "completed" else None,
    }


async def load(svc: Any) -> None:
    rows = []
    for org_code, (outcomes, still_open) in SEEDED.items():
        for outcome, count in zip(OUTCOMES, outcomes, strict=True):
            rows += [
                _row(f"P{uuid.uuid4().hex[:12]}", org_code, "completed", outcome)
                for _ in range(count)
            ]
        rows += [
            _row(f"P{uuid.uuid4().hex[:12]}", org_code, "meeting", None) for _ in range(still_open)
        ]
    async with svc.db.session() as session, session.begin():
        await session.execute(insert(Appraisal.__table__), rows)


async def pages(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], limit: int, **params: Any
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        found.extend(response.json()["items"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return found


def expected_completion() -> dict[str, tuple[Any, Any, Any]]:
    """The organisation rows worked out whole, straight from the seeded numbers."""
    due = {org: sum(outcomes) + still_open for org, (outcomes, still_open) in SEEDED.items()}
    done = {org: sum(outcomes) for org, (outcomes, _) in SEEDED.items()}

    def parent(org: str) -> str:
        return icb_of(org) or region_of(org) or "national"

    controlled_due = domain.control_within_groups(due, parent, DEFAULT_POLICY)
    controlled_done = domain.control_within_groups(done, parent, DEFAULT_POLICY)
    return {
        org: (
            controlled_due[org].to_json(),
            controlled_done[org].to_json(),
            control_rate(controlled_done[org], controlled_due[org]).to_json(),
        )
        for org in due
    }


async def test_completion_pages_match_the_whole_report_at_every_level(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        await load(svc)
        url = "/v1/reports/appraisal-completion"
        expected = expected_completion()
        # RY6 alone is small; TAD is suppressed beside it only because the ICB total would give
        # RY6 away: a page holding TAD alone must still see RY6.
        assert expected["RY6"][0] == "*" and expected["TAD"][0] == "*"
        for limit in (1, 2, 3, 100):
            rows = await pages(client, url, NATIONAL, limit, cycle_year=2026)
            assert [r["code"] for r in rows] == sorted(SEEDED), limit
            assert {r["code"]: (r["due"], r["completed"], r["completion_rate"]) for r in rows} == (
                expected
            ), limit
        for level in ("icb", "region"):
            whole = await pages(client, url, NATIONAL, 100, cycle_year=2026, level=level)
            one_by_one = await pages(client, url, NATIONAL, 1, cycle_year=2026, level=level)
            assert whole == one_by_one
        assert {r["code"] for r in whole} == {"Y56", "Y63"}

        # A token of one organisation sees its own row with the very figures of the whole.
        for org in ("RY6", "RAE", "RJ1"):
            own = await pages(client, url, auth("appraisal:read", org=org), 1, cycle_year=2026)
            assert [(r["due"], r["completed"], r["completion_rate"]) for r in own] == [
                expected[org]
            ]
        london = await pages(client, url, auth("appraisal:read", region="Y56"), 1, cycle_year=2026)
        assert [r["code"] for r in london] == ["RJ1", "RV5"]


async def test_distribution_pages_match_the_whole_report(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        await load(svc)
        url = "/v1/reports/outcome-distribution"
        whole = await pages(client, url, NATIONAL, 100, cycle_year=2026)
        assert [r["org_code"] for r in whole] == sorted(SEEDED)
        for limit in (1, 2, 5):
            assert await pages(client, url, NATIONAL, limit, cycle_year=2026) == whole
        by_org = {r["org_code"]: r for r in whole}
        for org, (outcomes, _) in SEEDED.items():
            region = region_of(org)
            region_counts = [
                sum(SEEDED[other][0][index] for other in SEEDED if region_of(other) == region)
                for index in range(len(OUTCOMES))
            ]
            for shown, counts in (
                (by_org[org]["organisation"], outcomes),
                (by_org[org]["region"], region_counts),
            ):
                breakdown = control_breakdown(dict(zip(OUTCOMES, counts, strict=True)))
                assert shown["total"] == breakdown.total.to_json()
                assert shown["counts"] == {
                    outcome: cell.to_json() for outcome, cell in breakdown.cells.items()
                }
        leeds = await pages(client, url, auth("appraisal:read", org="RR8"), 1, cycle_year=2026)
        assert leeds == [by_org["RR8"]]
        behaviour = await pages(client, url, NATIONAL, 2, cycle_year=2026, outcome="behaviour")
        assert [r["org_code"] for r in behaviour] == sorted(SEEDED)
