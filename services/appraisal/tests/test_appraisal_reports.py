"""Appraisal reports over HTTP: completion, overdue lists and outcome variation, with the
shared disclosure control applied to every figure."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert

from appraisal.appraisals.models import Appraisal
from appraisal.pay import domain as pay_domain
from appraisal.people import service as people_service
from appraisal.people.events import PersonChanged
from appraisal.reports import domain
from devstack import flows
from devstack.testing import auth
from shared.events.cloudevents import Envelope

PROBLEM = "application/problem+json"
NATIONAL = auth("appraisal:read national")
LEEDS_WRITER = auth("appraisal:read appraisal:write", org="RR8")
OUTCOMES = ["exceeds", "meets", "partially_meets", "not_met"]
# Completed appraisals of the 2026/27 cycle loaded as history, per organisation: exceeds,
# meets, partially meets, not met. Leeds Teaching Hospitals (RR8) rates far more people
# "exceeds" than the rest of North East and Yorkshire; Leeds Community Healthcare (RY6) is small.
HISTORY = {
    "RR8": [30, 10, 5, 0],
    "RAE": [6, 30, 6, 2],
    "RY6": [0, 3, 0, 0],
    "RHQ": [7, 31, 5, 1],
    "RTD": [6, 29, 7, 2],
}
MANAGER = "710000"


async def seed_person(svc: Any, person_id: str, org_code: str = "RR8", **fields: Any) -> None:
    """Into the people projection through its own handler, as talent's person.changed would."""
    event = PersonChanged(person_id=person_id, org_code=org_code, **fields)
    envelope = Envelope(
        id=str(uuid.uuid4()),
        source="/leadership/talent",
        type=PersonChanged.event_type(),
        time=datetime.now(UTC),
        subject=None,
        data=event.model_dump(mode="json"),
    )
    async with svc.db.session() as session, session.begin():
        await people_service.record_person_changed(session=session, event=event, envelope=envelope)


async def load_history(svc: Any) -> None:
    """Completed appraisals as a migration from a previous system would load them: rows only.

    The life cycle that produces them is tested in the lifecycle tests; here only their number
    and outcomes matter, and two hundred of them through the API would add nothing.
    """
    now = datetime.now(UTC)
    rows = []
    for org_code, counts in HISTORY.items():
        for outcome, count in zip(OUTCOMES, counts, strict=True):
            for _ in range(count):
                rows.append(_completed(f"H{uuid.uuid4().hex[:12]}", org_code, outcome, now))
    # A report of the manager appraised well over a year ago, in the previous cycle.
    rows.append(_completed("710003", "RR8", "meets", now - timedelta(days=400), cycle_year=2025))
    async with svc.db.session() as session, session.begin():
        await session.execute(insert(Appraisal.__table__), rows)


def _completed(
    person_id: str, org_code: str, outcome: str, at: datetime, cycle_year: int = 2026
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "person_id": person_id,
        "org_code": org_code,
        "appraiser_id": "799999",
        "cycle_year": cycle_year,
        "template_version": "2025.1",
        "status": "completed",
        "performance_outcome": outcome,
        "behaviour_outcome": "meets",
        "version": 5,
        "completed_at": at,
    }


async def items(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    """Every item of a paged report, following the cursor."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        found.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return found


async def test_reports_are_controlled_and_flag_an_outlying_organisation(
    start_service: Any,
) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        await seed_person(svc, MANAGER, is_line_manager=True, band="8b")
        for report in ("710001", "710002", "710003"):
            await seed_person(svc, report, line_manager_id=MANAGER)
        await seed_person(svc, "710004", line_manager_id=MANAGER, status="left")
        await load_history(svc)
        # Two appraisals completed through the API, both rated "meets".
        for person_id in (MANAGER, "710001"):
            await flows.complete_appraisal(client, person_id, LEEDS_WRITER, org_code="RR8")

        # --- completion per organisation: RR8 is 49 due (45 loaded, 2 completed through the
        # API, 2 more in the directory), 47 completed.
        url = "/v1/reports/appraisal-completion"
        rows = {r["code"]: r for r in await items(client, url, NATIONAL, cycle_year=2026)}
        assert set(rows) == {"RR8", "RAE", "RY6", "RHQ", "RTD"}
        assert rows["RR8"]["due"] == 50 and rows["RR8"]["completed"] == 45
        assert rows["RR8"]["completion_rate"] == 90.0
        assert rows["RR8"]["parent_code"] == "QWO"
        # RY6 has 3: suppressed. Within West Yorkshire ICB that would be the ICB total minus
        # RR8 and RAE, so RAE (the smaller) is suppressed too.
        assert rows["RY6"]["due"] == rows["RY6"]["completed"] == "*"
        assert rows["RY6"]["completion_rate"] == "*"
        assert rows["RAE"]["due"] == rows["RAE"]["completed"] == "*"
        assert rows["RHQ"]["due"] == 45 and rows["RHQ"]["completed"] == 45

        icbs = {
            r["code"]: r for r in await items(client, url, NATIONAL, cycle_year=2026, level="icb")
        }
        assert icbs["QWO"]["due"] == 95 and icbs["QWO"]["completed"] == 95
        assert icbs["QWO"]["parent_code"] == "Y63"
        (region,) = await items(client, url, NATIONAL, cycle_year=2026, level="region")
        assert region["code"] == "Y63" and region["due"] == 185 and region["completed"] == 180

        # Paging follows the codes, one row at a time.
        first = await client.get(url, params={"cycle_year": 2026, "limit": 1}, headers=NATIONAL)
        assert [r["code"] for r in first.json()["items"]] == ["RAE"]
        assert first.json()["next_cursor"]

        # Reach: Leeds sees its own row, and its ICB and region as aggregates.
        leeds = auth("appraisal:read national", org="RR8")
        assert [r["code"] for r in await items(client, url, leeds, cycle_year=2026)] == ["RR8"]
        leeds_icb = await items(client, url, leeds, cycle_year=2026, level="icb")
        assert [r["code"] for r in leeds_icb] == ["QWO"]
        london = auth("appraisal:read", region="Y56")
        assert await items(client, url, london, cycle_year=2026) == []

        # --- outcome distribution beside the region's, with the outlier flagged.
        url = "/v1/reports/outcome-distribution"
        dist = {r["org_code"]: r for r in await items(client, url, NATIONAL, cycle_year=2026)}
        leeds_row = dist["RR8"]
        assert leeds_row["test"]["flagged"] is True
        assert leeds_row["test"]["p_value_band"] == "<0.001"
        assert leeds_row["test"]["threshold"] == domain.SIGNIFICANCE_THRESHOLD
        # RR8: 30 exceeds, 12 meets, 5 partially meets: the 5 is suppressed, and so is the 12
        # beside it, or the total would give the 5 away.
        assert leeds_row["organisation"]["counts"] == {
            "exceeds": 30,
            "meets": "*",
            "partially_meets": "*",
            "not_met": 0,
        }
        assert leeds_row["organisation"]["total"] == 45
        assert round(leeds_row["organisation"]["percentages"]["exceeds"], 2) == 66.67
        assert leeds_row["organisation"]["percentages"]["meets"] == "*"
        # The region: 49 / 105 / 23 / 5 -> the 5 "not met" suppressed, and the 23 with it.
        assert leeds_row["region"]["counts"] == {
            "exceeds": 50,
            "meets": 105,
            "partially_meets": "*",
            "not_met": "*",
        }
        for similar in ("RAE", "RHQ", "RTD"):
            assert dist[similar]["test"]["tested"] is True
            assert dist[similar]["test"]["flagged"] is False, dist[similar]["test"]
        small = dist["RY6"]
        assert small["test"]["tested"] is False and small["test"]["flagged"] is False
        assert small["organisation"]["total"] == "*"
        assert small["organisation"]["counts"]["meets"] == "*"
        behaviour = await items(client, url, leeds, cycle_year=2026, outcome="behaviour")
        assert [r["org_code"] for r in behaviour] == ["RR8"]
        # Two "exceeds" (from the API) among 45 "meets": too thin for the approximation.
        assert behaviour[0]["test"]["tested"] is False
        assert "Cochran" in behaviour[0]["test"]["reason"]
        assert behaviour[0]["organisation"]["counts"]["exceeds"] == "*"

        # --- the manager's overdue list: never appraised, and appraised over a year ago.
        url = "/v1/reports/overdue-appraisals"
        today = datetime.now(UTC).date()
        overdue = await items(client, url, leeds, manager_id=MANAGER, limit=1)
        assert [r["person_id"] for r in overdue] == ["710002", "710003"]
        assert overdue[0]["last_completed_on"] is None and overdue[0]["overdue_since"] is None
        last = today - timedelta(days=400)
        assert overdue[1]["last_completed_on"] == last.isoformat()
        assert overdue[1]["overdue_since"] == pay_domain.appraisal_lapses_on(last).isoformat()
        # Asked for a date 13 months on, the report appraised today is overdue as well.
        later = await items(
            client, url, leeds, manager_id=MANAGER, on=str(today + timedelta(days=400))
        )
        assert [r["person_id"] for r in later] == ["710001", "710002", "710003"]

        foreign = await client.get(
            url, params={"manager_id": MANAGER}, headers=auth("appraisal:read", org="RJ1")
        )
        assert foreign.status_code == 403
        assert foreign.headers["content-type"] == PROBLEM
        assert "RR8" not in foreign.text
        unknown = await client.get(url, params={"manager_id": "719999"}, headers=leeds)
        assert unknown.status_code == 404
        bad = await client.get(
            "/v1/reports/appraisal-completion",
            params={"cycle_year": 2026, "level": "country"},
            headers=leeds,
        )
        assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM


def test_the_chi_squared_tail_matches_known_values() -> None:
    # Critical values from standard tables; with two degrees of freedom the tail is exp(-x/2).
    assert abs(domain.chi_squared_upper_tail(3.841459, 1) - 0.05) < 1e-6
    assert abs(domain.chi_squared_upper_tail(11.344867, 3) - 0.01) < 1e-6
    assert abs(domain.chi_squared_upper_tail(30.577914, 15) - 0.01) < 1e-6
    for x in (0.1, 1.0, 4.0, 25.0):
        expected = 2.718281828459045 ** (-x / 2)
        assert abs(domain.chi_squared_upper_tail(x, 2) - expected) < 1e-9
    assert domain.chi_squared_upper_tail(0, 4) == 1.0


def test_homogeneity_pools_rare_outcomes_and_refuses_thin_tables() -> None:
    same = domain.homogeneity_test([[10, 40, 10, 2], [20, 80, 20, 4]])
    assert same.significant is False and same.p_value is not None and same.p_value > 0.99
    # "not met" is too rare for the approximation: pooled with "partially meets" (2 df left).
    assert same.degrees_of_freedom == 2
    different = domain.homogeneity_test([[40, 10, 5, 1], [10, 40, 5, 1]])
    assert different.significant is True
    thin = domain.homogeneity_test([[1, 2, 0, 0], [2, 1, 0, 0]])
    assert thin.significant is None and "Cochran" in thin.reason
    assert domain.homogeneity_test([[0, 5, 0, 0], [0, 9, 0, 0]]).significant is None
