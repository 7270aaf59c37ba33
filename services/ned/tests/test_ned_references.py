"""Board references over HTTP: written on leaving, read and released only within reach, every
read and release audited, and purged by the retention job on the 75th birthday."""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from devstack.testing import auth, eventually
from ned.jobs import run_step_once
from ned.references import service as reference_service
from ned.references.models import BoardReference, ReferenceRelease

LEEDS = auth("ned:read ned:write ned:admin", org="RR8", subject="leeds-chair")
GUYS = auth("ned:read ned:write", org="RJ1", subject="guys-nominations")
PROBLEM = "application/problem+json"


def reference_body(person_id: str, born: date, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "person_id": person_id,
        "org_code": "RR8",
        "date_of_birth": born.isoformat(),
        "board_role": "non_executive",
        "role_title": "Non-executive director and chair of the audit committee",
        "served_from": "2019-04-01",
        "served_to": "2025-03-31",
        "leaving_reason": "term_ended",
        "matters": [
            {
                "kind": "complaint",
                "status": "discontinued",
                "raised_on": "2023-02-01",
                "closed_on": "2023-05-01",
            },
            {"kind": "disciplinary", "status": "ongoing", "raised_on": "2025-01-10"},
        ],
        "fit_and_proper_concerns": False,
        "referee_role": "chair",
    }
    body.update(overrides)
    return body


async def test_a_reference_is_released_to_the_new_employer_and_audited(start_service) -> None:
    async with start_service("ned") as ned:
        created = await ned.client.post(
            "/v1/board-references",
            json=reference_body("N700", date(1962, 8, 14)),
            headers={**LEEDS, "Idempotency-Key": "ref-N700"},
        )
        assert created.status_code == 201, created.text
        reference = created.json()
        assert reference["retain_until"] == "2037-08-14"
        assert [m["status"] for m in reference["matters"]] == ["discontinued", "ongoing"]
        replay = await ned.client.post(
            "/v1/board-references",
            json=reference_body("N700", date(1962, 8, 14)),
            headers={**LEEDS, "Idempotency-Key": "ref-N700"},
        )
        assert replay.json()["id"] == reference["id"]

        # Guy's, the new employer, cannot see it until Leeds releases it to them.
        url = f"/v1/board-references/{reference['id']}"
        before = await ned.client.get(url, headers=GUYS)
        assert before.status_code == 404 and before.headers["content-type"] == PROBLEM
        assert (await ned.client.get("/v1/board-references", headers=GUYS)).json()["items"] == []
        not_theirs = await ned.client.post(
            f"{url}/releases", json={"to_org_code": "RJ1"}, headers=GUYS
        )
        assert not_theirs.status_code == 404
        released = await ned.client.post(
            f"{url}/releases", json={"to_org_code": "RJ1"}, headers=LEEDS
        )
        assert released.status_code == 201, released.text
        after = await ned.client.get(url, headers=GUYS)
        assert after.status_code == 200 and after.json()["person_id"] == "N700"
        listed = await ned.client.get("/v1/board-references?person_id=N700", headers=GUYS)
        assert [r["id"] for r in listed.json()["items"]] == [reference["id"]]

        releases = await ned.client.get(f"{url}/releases", headers=LEEDS)
        assert [(r["to_org_code"], r["released_by"]) for r in releases.json()["items"]] == [
            ("RJ1", "leeds-chair")
        ]
        audit = await ned.client.get("/v1/fppt/audit?org_code=RR8", headers=LEEDS)
        trail = [
            (e["action"], e["subject"])
            for e in audit.json()["items"]
            if e["record_type"] == "board_reference"
        ]
        assert trail == [
            ("release", "leeds-chair"),
            ("read", "guys-nominations"),
            ("list", "guys-nominations"),
        ]


async def test_invalid_references_are_refused(start_service) -> None:
    async with start_service("ned") as ned:
        bad = [
            reference_body("N1", date(1962, 1, 1), served_to="2018-01-01"),
            reference_body("N1", date(2020, 1, 1)),
            reference_body(
                "N1",
                date(1962, 1, 1),
                matters=[
                    {
                        "kind": "complaint",
                        "status": "ongoing",
                        "raised_on": "2024-01-01",
                        "closed_on": "2024-02-01",
                    }
                ],
            ),
            reference_body("N1", date(1962, 1, 1), leaving_reason="fired"),
        ]
        for body in bad:
            response = await ned.client.post("/v1/board-references", json=body, headers=LEEDS)
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == PROBLEM
        foreign = await ned.client.post(
            "/v1/board-references", json=reference_body("N1", date(1962, 1, 1)), headers=GUYS
        )
        assert foreign.status_code == 403


async def test_retention_job_deletes_exactly_the_references_past_the_75th_birthday(
    start_service,
) -> None:
    today = date.today()
    seventy_five_years_ago = (
        today.replace(year=today.year - 75)
        if not (today.month == 2 and today.day == 29)
        else date(today.year - 75, 3, 1)
    )
    births = {
        "P-TODAY": seventy_five_years_ago,  # 75 today: purged
        "P-YESTERDAY": seventy_five_years_ago - timedelta(days=1),  # purged
        "P-LONG-AGO": seventy_five_years_ago - timedelta(days=400),  # purged
        "P-TOMORROW": seventy_five_years_ago + timedelta(days=1),  # kept one more day
        "P-YOUNG": date(1980, 6, 1),  # kept
    }
    async with start_service("ned") as ned:
        ids = {}
        for person_id, born in births.items():
            body = reference_body(person_id, born, served_from="2005-04-01", served_to="2010-03-31")
            created = await ned.client.post("/v1/board-references", json=body, headers=LEEDS)
            assert created.status_code == 201, created.text
            ids[person_id] = created.json()["id"]
        released = await ned.client.post(
            f"/v1/board-references/{ids['P-YESTERDAY']}/releases",
            json={"to_org_code": "RJ1"},
            headers=LEEDS,
        )
        assert released.status_code == 201

        purged = await run_step_once(
            ned.db, ned.settings, "board-reference-retention", reference_service.retention_step
        )
        assert purged == 3
        async with ned.db.session() as session:
            left = set(await session.scalars(select(BoardReference.person_id)))
            releases = list(await session.scalars(select(ReferenceRelease)))
        assert left == {"P-TOMORROW", "P-YOUNG"}
        assert releases == []
        for person_id in ("P-TODAY", "P-YESTERDAY", "P-LONG-AGO"):
            gone = await ned.client.get(f"/v1/board-references/{ids[person_id]}", headers=LEEDS)
            assert gone.status_code == 404
        # A second run finds nothing more to delete.
        again = await run_step_once(
            ned.db, ned.settings, "board-reference-retention", reference_service.retention_step
        )
        assert again == 0


async def test_the_worker_runs_the_retention_step(start_service, monkeypatch) -> None:
    from ned import consumers as ned_consumers

    # The worker checks daily; here every fifth of a second, so a purge is seen quickly.
    monkeypatch.setattr(ned_consumers, "REFERENCE_RETENTION_INTERVAL_SECONDS", 0.2)
    async with start_service("ned", run_workers=True) as ned:
        expired = await ned.client.post(
            "/v1/board-references",
            json=reference_body(
                "P-OLD", date(1940, 1, 1), served_from="1995-04-01", served_to="2000-03-31"
            ),
            headers=LEEDS,
        )
        kept = await ned.client.post(
            "/v1/board-references", json=reference_body("P-KEPT", date(1970, 1, 1)), headers=LEEDS
        )
        assert expired.status_code == 201 and kept.status_code == 201

        async def purged() -> bool:
            response = await ned.client.get(
                f"/v1/board-references/{expired.json()['id']}", headers=LEEDS
            )
            return response.status_code == 404

        await eventually(purged, timeout=15)
        still = await ned.client.get(f"/v1/board-references/{kept.json()['id']}", headers=LEEDS)
        assert still.status_code == 200
