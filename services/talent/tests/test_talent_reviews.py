"""Talent reviews and the 9-box: pure placement rules, and moderation over HTTP with its audit."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.dialects.postgresql import insert

from devstack.testing import auth
from talent.profiles.models import ProfileAppraisal
from talent.reviews import domain
from talent.reviews.domain import Rating

ORG = "RR8"
LEAD = auth("talent:read talent:write", org=ORG, subject="talent-lead-1")


@pytest.mark.parametrize(
    ("what", "how", "expected"),
    [
        ("exceeds", "exceeds", Rating.HIGH),
        ("exceeds", "meets", Rating.HIGH),
        ("meets", "meets", Rating.MODERATE),
        ("exceeds", "partially_meets", Rating.LOW),
        ("not_met", "exceeds", Rating.LOW),
    ],
)
def test_performance_weighs_the_what_and_the_how(what: str, how: str, expected: Rating) -> None:
    assert domain.performance(what, how) is expected


def test_potential_and_boxes() -> None:
    assert domain.potential(aspiration=1, engagement=2, ability=1, leadership_values=2) is (
        Rating.LOW
    )
    assert domain.potential(aspiration=3, engagement=2, ability=2, leadership_values=2) is (
        Rating.MODERATE
    )
    assert domain.potential(aspiration=3, engagement=3, ability=2, leadership_values=2) is (
        Rating.HIGH
    )
    assert domain.box(performance_rating=Rating.LOW, potential_rating=Rating.LOW) == 1
    assert domain.box(performance_rating=Rating.HIGH, potential_rating=Rating.LOW) == 3
    assert domain.box(performance_rating=Rating.LOW, potential_rating=Rating.HIGH) == 7
    assert domain.box(performance_rating=Rating.HIGH, potential_rating=Rating.HIGH) == 9
    with pytest.raises(domain.NoPerformanceEvidence):
        domain.performance(None, "meets")


async def _person_with_appraisal(talent: Any, person_id: str, **outcomes: str) -> None:
    row = {
        "person_id": person_id,
        "org_code": ORG,
        "job_title": "Ward Sister",
        "staff_group": "Nursing and Midwifery Registered",
        "band": "7",
        "start_date": "2018-04-01",
        "status": "active",
    }
    imported = await talent.client.post(
        "/v1/people:import",
        content=json.dumps(row).encode(),
        headers={"Content-Type": "application/x-ndjson", **auth("talent:write national")},
    )
    assert imported.status_code == 200, imported.text
    # The profile projection as the appraisal.completed consumer writes it.
    async with talent.db.session() as session, session.begin():
        await session.execute(
            insert(ProfileAppraisal).values(
                appraisal_id=str(uuid.uuid4()),
                person_id=person_id,
                org_code=ORG,
                performance_outcome=outcomes.get("what", "meets"),
                behaviour_outcome=outcomes.get("how", "exceeds"),
                development_programme_codes=[],
                completed_at=datetime.now(UTC) - timedelta(days=20),
            )
        )


async def test_review_moderation_is_audited(start_service: Any) -> None:
    person, unappraised = f"R{uuid.uuid4().hex[:9]}", f"U{uuid.uuid4().hex[:9]}"
    async with start_service("talent") as talent:
        await _person_with_appraisal(talent, person)
        await _person_with_appraisal(talent, unappraised)
        async with talent.db.session() as session, session.begin():
            await session.execute(
                ProfileAppraisal.__table__.update()
                .where(ProfileAppraisal.person_id == unappraised)
                .values(reopened_at=datetime.now(UTC))
            )
        review = await talent.client.post(
            "/v1/talent-reviews", json={"org_code": ORG, "name": "Nursing review"}, headers=LEAD
        )
        assert review.status_code == 201, review.text
        review_id = review.json()["id"]
        scores = {"aspiration": 3, "engagement": 3, "ability": 2, "leadership_values": 2}
        placed = await talent.client.post(
            f"/v1/talent-reviews/{review_id}/assessments",
            json={"person_id": person, **scores},
            headers=LEAD,
        )
        assert placed.status_code == 201, placed.text
        body = placed.json()
        assert (body["performance"], body["potential"], body["box"]) == ("high", "high", 9)
        reopened = await talent.client.post(
            f"/v1/talent-reviews/{review_id}/assessments",
            json={"person_id": unappraised, **scores},
            headers=LEAD,
        )
        assert reopened.status_code == 422
        twice = await talent.client.post(
            f"/v1/talent-reviews/{review_id}/assessments",
            json={"person_id": person, **scores},
            headers=LEAD,
        )
        assert twice.status_code == 409

        url = f"/v1/review-assessments/{body['id']}"
        early = await talent.client.post(
            f"{url}/moves",
            json={"to_box": 8, "reason": "Panel view"},
            headers={**LEAD, "If-Match": placed.headers["ETag"]},
        )
        assert early.status_code == 409  # not moderating yet
        current = await talent.client.get(f"/v1/talent-reviews/{review_id}", headers=LEAD)
        moderating = await talent.client.post(
            f"/v1/talent-reviews/{review_id}/transitions",
            json={"to": "moderating"},
            headers={**LEAD, "If-Match": current.headers["ETag"]},
        )
        assert moderating.status_code == 200, moderating.text
        moved = await talent.client.post(
            f"{url}/moves",
            json={"to_box": 8, "reason": "Panel: delivery strong but new to the band"},
            headers={**LEAD, "If-Match": placed.headers["ETag"]},
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["box"] == 8
        assert moved.json()["assessed_box"] == 9
        [audit] = moved.json()["moves"]
        assert (audit["from_box"], audit["to_box"], audit["moved_by"]) == (9, 8, "talent-lead-1")
        stale = await talent.client.post(
            f"{url}/moves",
            json={"to_box": 5, "reason": "Again"},
            headers={**LEAD, "If-Match": placed.headers["ETag"]},
        )
        assert stale.status_code == 412

        history = await talent.client.get(f"/v1/people/{person}/nine-box-history", headers=LEAD)
        [entry] = history.json()["items"]
        assert entry["box"] == 8 and len(entry["moves"]) == 1
        foreign = auth("talent:read", org="RJ1")
        assert (await talent.client.get(url, headers=foreign)).status_code == 403
        listed = await talent.client.get("/v1/talent-reviews", headers=foreign)
        assert review_id not in json.dumps(listed.json())
