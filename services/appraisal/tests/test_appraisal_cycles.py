"""Appraisal cycles over HTTP: windows and NHS England's deadlines by organisation type, and a
population kept by person.changed events read off the real broker (joiners and leavers)."""

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from appraisal.people import service as people_service
from appraisal.people.events import PersonChanged
from devstack.testing import auth, eventually
from shared.events.cloudevents import Envelope, encode_headers
from shared.tables import inbox

LEEDS = "RR8"  # NHS trust
GUYS = "RJ1"  # foundation trust
WEST_YORKSHIRE_ICB = "QWO"
PROBLEM = "application/problem+json"
ADMIN = auth("appraisal:read appraisal:write appraisal:admin national")
LEEDS_ADMIN = auth("appraisal:read appraisal:write appraisal:admin", org=LEEDS)
GUYS_READER = auth("appraisal:read", org=GUYS)


async def seed_person(svc: Any, person_id: str, org_code: str, status: str = "active") -> None:
    event = PersonChanged(person_id=person_id, org_code=org_code, status=status)
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


async def create_cycle(svc: Any, headers: dict[str, str] = ADMIN, **body: Any) -> Any:
    return await svc.client.post("/v1/cycles", json=body, headers=headers)


async def population(svc: Any, cycle_id: str) -> dict[str, dict[str, Any]]:
    response = await svc.client.get(f"/v1/cycles/{cycle_id}/population", headers=LEEDS_ADMIN)
    assert response.status_code == 200, response.text
    return {member["person_id"]: member for member in response.json()["items"]}


async def test_board_deadlines_follow_the_organisation_type(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        trust = await create_cycle(svc, org_code=LEEDS, cycle_year=2025, kind="board")
        assert trust.status_code == 201, trust.text
        assert trust.json()["chair_submission_deadline"] == "2026-06-30"
        assert trust.json()["ned_submission_deadline"] == "2026-09-30"
        assert trust.json()["held_locally"] is False
        icb = await create_cycle(svc, org_code=WEST_YORKSHIRE_ICB, cycle_year=2025, kind="board")
        assert icb.json()["chair_submission_deadline"] == "2026-06-30"
        foundation = await create_cycle(svc, org_code=GUYS, cycle_year=2025, kind="board")
        assert foundation.status_code == 201, foundation.text
        assert foundation.json()["held_locally"] is True
        assert foundation.json()["chair_submission_deadline"] is None
        assert foundation.json()["ned_submission_deadline"] is None

        region = await create_cycle(svc, org_code="Y63", cycle_year=2025)
        assert region.status_code == 422 and region.headers["content-type"] == PROBLEM
        backwards = await create_cycle(
            svc,
            org_code=LEEDS,
            cycle_year=2026,
            window_opens="2026-09-01",
            window_closes="2026-05-01",
        )
        assert backwards.status_code == 422
        assert backwards.json()["errors"][0]["type"] == "cycles.window_order"
        duplicate = await create_cycle(svc, org_code=LEEDS, cycle_year=2025, kind="board")
        assert duplicate.status_code == 409
        assert duplicate.json()["existing_cycle_id"] == trust.json()["id"]

        # Reach: Guy's sees its own cycle, not Leeds'.
        own = await svc.client.get("/v1/cycles", headers=GUYS_READER)
        assert [c["org_code"] for c in own.json()["items"]] == [GUYS]
        foreign = await svc.client.get(f"/v1/cycles/{trust.json()['id']}", headers=GUYS_READER)
        assert foreign.status_code == 403 and LEEDS not in foreign.text
        not_admin = await create_cycle(
            svc,
            headers=auth("appraisal:read appraisal:write", org=LEEDS),
            org_code=LEEDS,
            cycle_year=2027,
        )
        assert not_admin.status_code == 403


async def test_the_staff_population_follows_joiners_and_leavers(start_service: Any) -> None:
    async with start_service("appraisal", run_workers=True) as svc:
        await seed_person(svc, "400001", LEEDS)
        await seed_person(svc, "400002", LEEDS)
        await seed_person(svc, "400003", LEEDS, status="left")
        await seed_person(svc, "400004", GUYS)
        year = date.today().year if date.today().month >= 4 else date.today().year - 1
        key = {"Idempotency-Key": str(uuid.uuid4())}
        created = await svc.client.post(
            "/v1/cycles",
            json={"org_code": LEEDS, "cycle_year": year, "kind": "staff"},
            headers={**LEEDS_ADMIN, **key},
        )
        assert created.status_code == 201, created.text
        cycle = created.json()
        assert cycle["window_opens"] == f"{year}-04-01"
        assert cycle["window_closes"] == f"{year + 1}-03-31"
        assert cycle["population_active"] == 2
        assert set(await population(svc, cycle["id"])) == {"400001", "400002"}

        # A joiner, a leaver and a move to another organisation, as talent publishes them.
        producer = AIOKafkaProducer(bootstrap_servers=svc.settings.kafka_bootstrap_servers)
        await producer.start()
        event_ids = []
        try:
            for person_id, org_code, status, left_on in (
                ("400005", LEEDS, "active", None),
                ("400001", LEEDS, "left", date.today().isoformat()),
                ("400002", GUYS, "active", None),
            ):
                event_id = str(uuid.uuid4())
                event_ids.append(event_id)
                await producer.send_and_wait(
                    "leadership.talent",
                    key=person_id.encode(),
                    value=json.dumps(
                        {
                            "person_id": person_id,
                            "org_code": org_code,
                            "status": status,
                            "left_on": left_on,
                            "band": "6",
                            "is_line_manager": False,
                        }
                    ).encode(),
                    headers=encode_headers(
                        event_id=event_id,
                        source="/leadership/talent",
                        event_type=PersonChanged.event_type(),
                        time=datetime.now(UTC),
                        subject=f"people/{person_id}",
                    ),
                )
        finally:
            await producer.stop()

        async def applied() -> bool:
            async with svc.db.session() as session:
                count = await session.scalar(
                    select(func.count()).select_from(inbox).where(inbox.c.event_id.in_(event_ids))
                )
            return count == len(event_ids)

        await eventually(applied, timeout=30)
        members = await population(svc, cycle["id"])
        assert members["400005"]["status"] == "active"
        assert members["400001"]["status"] == "left"
        assert members["400001"]["left_on"] == date.today().isoformat()
        assert members["400002"]["status"] == "left"
        assert "400004" not in members
        leavers = await svc.client.get(
            f"/v1/cycles/{cycle['id']}/population?status=left", headers=LEEDS_ADMIN
        )
        assert {m["person_id"] for m in leavers.json()["items"]} == {"400001", "400002"}
        fetched = await svc.client.get(f"/v1/cycles/{cycle['id']}", headers=LEEDS_ADMIN)
        assert fetched.json()["population_active"] == 1
        assert fetched.headers["ETag"]
        foreign = await svc.client.get(f"/v1/cycles/{cycle['id']}/population", headers=GUYS_READER)
        assert foreign.status_code == 403


async def test_board_appraisals_bring_their_members_into_the_board_cycle(
    start_service: Any,
) -> None:
    async with start_service("appraisal") as svc:
        created = await create_cycle(svc, org_code=LEEDS, cycle_year=2026, kind="board")
        assert created.status_code == 201, created.text
        cycle_id = created.json()["id"]
        assert created.json()["population_active"] == 0
        appraisal = await svc.client.post(
            "/v1/appraisals",
            json={
                "person_id": "500001",
                "org_code": LEEDS,
                "appraiser_id": "500900",
                "cycle_year": 2026,
                "board_role": "non_executive",
            },
            headers=LEEDS_ADMIN,
        )
        assert appraisal.status_code == 201, appraisal.text
        assert appraisal.json()["cycle_id"] == cycle_id
        assert appraisal.json()["kind"] == "board"
        # A NED of an NHS trust: due by NHS England's NED deadline after the year end.
        assert appraisal.json()["due_by"] == "2027-09-30"
        assert set(await population(svc, cycle_id)) == {"500001"}
        in_cycle = await svc.client.get(
            "/v1/appraisals", params={"cycle_id": cycle_id, "kind": "board"}, headers=LEEDS_ADMIN
        )
        assert [a["id"] for a in in_cycle.json()["items"]] == [appraisal.json()["id"]]
        staff_only = await svc.client.get(
            "/v1/appraisals", params={"kind": "staff"}, headers=LEEDS_ADMIN
        )
        assert staff_only.json()["items"] == []
        # A staff appraisal does not join the board cycle, and a cycle of another kind is refused.
        wrong = await svc.client.post(
            "/v1/appraisals",
            json={
                "person_id": "500002",
                "org_code": LEEDS,
                "appraiser_id": "500900",
                "cycle_year": 2026,
                "cycle_id": cycle_id,
            },
            headers=LEEDS_ADMIN,
        )
        assert wrong.status_code == 422, wrong.text


async def test_the_organisation_moves_its_window_with_if_match(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        created = await create_cycle(svc, headers=LEEDS_ADMIN, org_code=LEEDS, cycle_year=2026)
        assert created.status_code == 201, created.text
        url, etag = f"/v1/cycles/{created.json()['id']}", created.headers["ETag"]

        missing = await svc.client.patch(
            url, json={"completion_deadline": "2027-02-28"}, headers=LEEDS_ADMIN
        )
        assert missing.status_code == 428
        moved = await svc.client.patch(
            url,
            json={"window_closes": "2027-02-28"},
            headers={**LEEDS_ADMIN, "If-Match": etag},
        )
        assert moved.status_code == 200, moved.text
        # The deadline was the window's close, so it moves with it.
        assert moved.json()["window_closes"] == "2027-02-28"
        assert moved.json()["completion_deadline"] == "2027-02-28"
        assert moved.json()["version"] == 2
        stale = await svc.client.patch(
            url,
            json={"completion_deadline": "2027-01-31"},
            headers={**LEEDS_ADMIN, "If-Match": etag},
        )
        assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
        backwards = await svc.client.patch(
            url,
            json={"window_closes": "2026-01-01"},
            headers={**LEEDS_ADMIN, "If-Match": moved.headers["ETag"]},
        )
        assert backwards.status_code == 422, backwards.text
        national_deadline = await svc.client.patch(
            url,
            json={"ned_submission_deadline": "2027-12-31"},
            headers={**LEEDS_ADMIN, "If-Match": moved.headers["ETag"]},
        )
        assert national_deadline.status_code == 422
        foreign = await svc.client.patch(
            url,
            json={"completion_deadline": "2027-01-31"},
            headers={
                **auth("appraisal:read appraisal:admin", org=GUYS),
                "If-Match": moved.headers["ETag"],
            },
        )
        assert foreign.status_code == 403 and LEEDS not in foreign.text
        current = await svc.client.get(url, headers=LEEDS_ADMIN)
        assert current.headers["ETag"] == moved.headers["ETag"]
