"""The appraisal API end to end: real PostgreSQL, real broker, the app's own lifespan."""

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import select

from appraisal.people import service as people_service
from appraisal.people.events import PersonChanged
from devstack.testing import auth, eventually
from shared.events.cloudevents import Envelope
from shared.tables import outbox

LEEDS = "RR8"  # Leeds Teaching Hospitals, North East and Yorkshire (Y63)
GUYS = "RJ1"  # Guy's and St Thomas', London (Y56)
PROBLEM = "application/problem+json"
WAIT_SECONDS = 20.0

WRITER = auth("appraisal:read appraisal:write", org=LEEDS)
READER = auth("appraisal:read", org=LEEDS)

CONTENT: dict[str, Any] = {
    "objectives": [
        {
            "title": "Cut outpatient waits in dermatology",
            "success_criteria": "Median wait under 12 weeks by March",
            "weight": 60,
            "outcome": "meets",
        },
        {
            "title": "Run a reverse-mentoring scheme with the race equality network",
            "weight": 40,
            "outcome": "exceeds",
            "is_edi_objective": True,
        },
    ],
    "performance_outcome": "meets",
    "behaviour_outcome": "exceeds",
    "behaviour_scores": {
        "working_together_for_patients": "almost_always",
        "respect_and_dignity": "almost_always",
        "commitment_to_quality_of_care": "often",
        "compassion": "often",
        "improving_lives": "sometimes",
        "everyone_counts": "almost_always",
    },
    "aspirations": {
        "direction": "stretch",
        "target_level": "senior",
        "timeframe": "one_to_two_years",
        "mobility": "region",
        "challenged_organisation_interest": True,
    },
    "development_programme_codes": ["rosalind-franklin"],
    "wellbeing_conversation_held": True,
}


async def seed_person(
    svc: Any,
    person_id: str,
    *,
    org_code: str = LEEDS,
    band: str = "8a",
    is_line_manager: bool = True,
    status: str = "active",
) -> None:
    """Put a person in the projection as a person.changed event would."""
    event = PersonChanged(
        person_id=person_id,
        org_code=org_code,
        band=band,
        is_line_manager=is_line_manager,
        status=status,
    )
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


async def create(
    client: httpx.AsyncClient,
    person_id: str = "100001",
    *,
    headers: dict[str, str] = WRITER,
    **fields: Any,
) -> httpx.Response:
    body = {"person_id": person_id, "appraiser_id": "900001", "cycle_year": 2026, **fields}
    return await client.post("/v1/appraisals", json=body, headers=headers)


async def move(
    client: httpx.AsyncClient, appraisal_id: str, etag: str, to: str, **fields: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/appraisals/{appraisal_id}/transitions",
        json={"to": to, **fields},
        headers={**WRITER, "If-Match": etag},
    )


async def ready_for_sign_off(client: httpx.AsyncClient, person_id: str) -> tuple[str, str]:
    """An appraisal with full content, signed by the appraisee; its id and ETag."""
    created = await create(client, person_id)
    assert created.status_code == 201, created.text
    appraisal_id, etag = created.json()["id"], created.headers["ETag"]
    patched = await client.patch(
        f"/v1/appraisals/{appraisal_id}", json=CONTENT, headers={**WRITER, "If-Match": etag}
    )
    assert patched.status_code == 200, patched.text
    etag = patched.headers["ETag"]
    for status in ("preparation", "meeting", "signed_by_appraisee"):
        moved = await move(client, appraisal_id, etag, status)
        assert moved.status_code == 200, moved.text
        etag = moved.headers["ETag"]
    return appraisal_id, etag


async def outbox_rows(svc: Any) -> list[Any]:
    async with svc.db.session() as session:
        return list((await session.execute(select(outbox).order_by(outbox.c.seq))).all())


async def read_published(svc: Any, event_id: uuid.UUID) -> Any:
    """The broker's copy of an outbox row, fetched where the relay says it was acknowledged."""

    async def acknowledged() -> Any:
        async with svc.db.session() as session:
            row = (await session.execute(select(outbox).where(outbox.c.id == event_id))).one()
        return row if row.published_at is not None else None

    row = await eventually(acknowledged, timeout=WAIT_SECONDS)
    # Assigned, not subscribed: no consumer-group join, so the read takes milliseconds.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=svc.settings.kafka_bootstrap_servers, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partition = TopicPartition(row.topic, row.partition)
        consumer.assign([partition])
        consumer.seek(partition, row.offset)
        return await asyncio.wait_for(consumer.getone(partition), WAIT_SECONDS)
    finally:
        await consumer.stop()


# ---- the whole flow -------------------------------------------------------------------------


async def test_create_fill_sign_off_complete_publishes_the_event(start_service: Any) -> None:
    async with start_service("appraisal", run_workers=True) as svc:
        client = svc.client
        await seed_person(svc, "100001", band="8a", is_line_manager=True)

        created = await client.post(
            "/v1/appraisals",
            json={"person_id": "100001", "appraiser_id": "900001", "cycle_year": 2026},
            headers={**WRITER, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert created.status_code == 201, created.text
        body = created.json()
        appraisal_id = body["id"]
        # The employer comes from the people projection when the request leaves it out.
        assert body["org_code"] == LEEDS
        assert body["status"] == "not_started"
        assert body["cycle_label"] == "2026/27"
        assert body["template_version"] == "2025.1"
        assert body["allowed_transitions"] == ["cancelled", "preparation"]
        assert created.headers["Location"] == f"/v1/appraisals/{appraisal_id}"
        etag = created.headers["ETag"]

        fetched = await client.get(f"/v1/appraisals/{appraisal_id}", headers=READER)
        assert fetched.status_code == 200
        assert fetched.headers["ETag"] == etag

        patched = await client.patch(
            f"/v1/appraisals/{appraisal_id}", json=CONTENT, headers={**WRITER, "If-Match": etag}
        )
        assert patched.status_code == 200, patched.text
        content = patched.json()
        assert patched.headers["ETag"] != etag
        assert content["version"] == 2
        assert [o["weight"] for o in content["objectives"]] == [60, 40]
        assert content["objectives"][1]["is_edi_objective"] is True
        assert content["behaviour_scores"]["compassion"] == "often"
        assert content["development_programme_codes"] == ["ROSALIND-FRANKLIN"]
        assert content["aspirations"]["direction"] == "stretch"
        etag = patched.headers["ETag"]

        for status in ("preparation", "meeting", "signed_by_appraisee", "completed"):
            moved = await move(client, appraisal_id, etag, status)
            assert moved.status_code == 200, moved.text
            assert moved.json()["status"] == status
            etag = moved.headers["ETag"]
        completed = moved.json()
        assert completed["band"] == "8a"
        assert completed["completed_at"] is not None
        assert completed["allowed_transitions"] == ["reopened"]

        rows = await outbox_rows(svc)
        assert [row.type for row in rows] == ["leadership.appraisal.completed.v1"]
        row = rows[0]
        assert row.key == "100001"
        assert row.topic == "leadership.appraisal"
        assert row.subject == f"appraisals/{appraisal_id}"
        payload = row.payload
        assert payload["appraisal_id"] == appraisal_id
        assert payload["person_id"] == "100001"
        assert payload["org_code"] == LEEDS
        assert payload["band"] == "8a"
        assert payload["board_role"] is None
        assert payload["cycle_year"] == 2026
        assert payload["cycle_start"] == "2026-04-01"
        assert payload["template_version"] == "2025.1"
        assert payload["performance_outcome"] == "meets"
        assert payload["behaviour_outcome"] == "exceeds"
        assert {s["code"]: s["score"] for s in payload["behaviour_scores"]} == (
            CONTENT["behaviour_scores"]
        )
        assert payload["aspirations"] == {
            **CONTENT["aspirations"],
            "impact": None,
            "growth_ambition": None,
        }
        assert payload["development_programme_codes"] == ["ROSALIND-FRANKLIN"]
        assert payload["edi_objective_set"] is True
        assert payload["appraiser_id"] == "900001"
        assert payload["completed_at"].endswith("Z") or payload["completed_at"].endswith("+00:00")
        # No free text leaves the service: objective titles and criteria stay here.
        assert "dermatology" not in json.dumps(payload)
        assert "mentoring" not in json.dumps(payload)

        record = await read_published(svc, row.id)
        headers = {name: value.decode() for name, value in record.headers}
        assert headers["ce_type"] == "leadership.appraisal.completed.v1"
        assert headers["ce_source"] == "/leadership/appraisal"
        assert headers["ce_subject"] == f"appraisals/{appraisal_id}"
        assert headers["ce_specversion"] == "1.0"
        assert record.key == b"100001"
        assert headers["ce_id"] == str(row.id)
        assert json.loads(record.value) == payload


async def test_reopen_needs_a_reason_and_publishes_reopened(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        await seed_person(svc, "100002")
        appraisal_id, etag = await ready_for_sign_off(client, "100002")
        done = await move(client, appraisal_id, etag, "completed")
        assert done.status_code == 200, done.text
        etag = done.headers["ETag"]

        no_reason = await move(client, appraisal_id, etag, "reopened")
        assert no_reason.status_code == 422
        assert no_reason.headers["content-type"] == PROBLEM
        assert no_reason.json()["errors"][0]["path"] == "body.reason_code"

        bad_reason = await move(client, appraisal_id, etag, "reopened", reason_code="felt like it")
        assert bad_reason.status_code == 422

        reopened = await move(client, appraisal_id, etag, "reopened", reason_code="appeal_upheld")
        assert reopened.status_code == 200, reopened.text
        # Reopening takes the appraisal back to the meeting, where the content can change.
        assert reopened.json()["status"] == "meeting"
        assert reopened.json()["reopen_reason"] == "appeal_upheld"
        etag = reopened.headers["ETag"]
        editable = await client.patch(
            f"/v1/appraisals/{appraisal_id}",
            json={"performance_outcome": "exceeds"},
            headers={**WRITER, "If-Match": etag},
        )
        assert editable.status_code == 200, editable.text

        rows = await outbox_rows(svc)
        assert [row.type for row in rows] == [
            "leadership.appraisal.completed.v1",
            "leadership.appraisal.reopened.v1",
        ]
        reopened_payload = rows[1].payload
        assert reopened_payload["appraisal_id"] == appraisal_id
        assert reopened_payload["person_id"] == "100002"
        assert reopened_payload["reason_code"] == "appeal_upheld"
        assert reopened_payload["reopened_at"]
        assert rows[1].key == "100002"


# ---- concurrency and preconditions ----------------------------------------------------------


async def test_changes_need_a_current_if_match(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        created = await create(client, "100003", org_code=LEEDS)
        appraisal_id, etag = created.json()["id"], created.headers["ETag"]
        url = f"/v1/appraisals/{appraisal_id}"

        missing = await client.patch(url, json={"performance_outcome": "meets"}, headers=WRITER)
        assert missing.status_code == 428
        assert missing.headers["content-type"] == PROBLEM
        wildcard = await client.patch(
            url, json={"performance_outcome": "meets"}, headers={**WRITER, "If-Match": "*"}
        )
        assert wildcard.status_code == 428
        no_match = await client.post(
            f"{url}/transitions", json={"to": "preparation"}, headers=WRITER
        )
        assert no_match.status_code == 428

        first = await client.patch(
            url, json={"performance_outcome": "meets"}, headers={**WRITER, "If-Match": etag}
        )
        assert first.status_code == 200
        stale = await client.patch(
            url, json={"performance_outcome": "exceeds"}, headers={**WRITER, "If-Match": etag}
        )
        assert stale.status_code == 412
        assert stale.headers["content-type"] == PROBLEM
        stale_move = await move(client, appraisal_id, etag, "preparation")
        assert stale_move.status_code == 412

        other = await create(client, "100004", org_code=LEEDS)
        foreign = await client.patch(
            url,
            json={"performance_outcome": "exceeds"},
            headers={**WRITER, "If-Match": other.headers["ETag"]},
        )
        assert foreign.status_code == 412
        garbage = await client.patch(
            url, json={"performance_outcome": "exceeds"}, headers={**WRITER, "If-Match": "nope"}
        )
        assert garbage.status_code == 412

        current = await client.get(url, headers=READER)
        assert current.json()["performance_outcome"] == "meets"
        assert current.headers["ETag"] == first.headers["ETag"]

        # Two writers holding the same ETag at the same moment: exactly one wins.
        racing = await asyncio.gather(
            *(
                client.patch(
                    url,
                    json={"performance_outcome": outcome},
                    headers={**WRITER, "If-Match": first.headers["ETag"]},
                )
                for outcome in ("exceeds", "not_met")
            )
        )
        assert sorted(r.status_code for r in racing) == [200, 412]
        assert (await client.get(url, headers=READER)).json()["version"] == 3


async def test_invalid_transitions_are_409_problems(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        created = await create(client, "100005", org_code=LEEDS)
        appraisal_id, etag = created.json()["id"], created.headers["ETag"]

        skipped = await move(client, appraisal_id, etag, "completed")
        assert skipped.status_code == 409
        assert skipped.headers["content-type"] == PROBLEM
        problem = skipped.json()
        assert problem["status_now"] == "not_started"
        assert problem["allowed_transitions"] == ["cancelled", "preparation"]

        unknown = await move(client, appraisal_id, etag, "approved")
        assert unknown.status_code == 422

        await seed_person(svc, "100005")
        filled = await client.patch(
            f"/v1/appraisals/{appraisal_id}", json=CONTENT, headers={**WRITER, "If-Match": etag}
        )
        etag = filled.headers["ETag"]
        for status in ("preparation", "meeting"):
            etag = (await move(client, appraisal_id, etag, status)).headers["ETag"]
        up = await move(client, appraisal_id, etag, "signed_by_appraiser")
        assert up.status_code == 200, up.text
        frozen = await client.patch(
            f"/v1/appraisals/{appraisal_id}",
            json={"performance_outcome": "meets"},
            headers={**WRITER, "If-Match": up.headers["ETag"]},
        )
        assert frozen.status_code == 409
        assert (await outbox_rows(svc)) == []


async def test_completion_lists_every_unmet_rule(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        # A line manager: the EDI-objective rule applies.
        await seed_person(svc, "100006", is_line_manager=True)
        created = await create(client, "100006")
        appraisal_id, etag = created.json()["id"], created.headers["ETag"]
        content = {
            **CONTENT,
            "objectives": [
                {
                    "title": "Deliver the theatre productivity plan",
                    "weight": 50,
                    "outcome": "meets",
                },
                {"title": "Recruit to vacancies", "weight": 30},
            ],
            "behaviour_scores": {"compassion": "often"},
            "wellbeing_conversation_held": False,
        }
        patched = await client.patch(
            f"/v1/appraisals/{appraisal_id}", json=content, headers={**WRITER, "If-Match": etag}
        )
        assert patched.status_code == 200, patched.text
        etag = patched.headers["ETag"]
        for status in ("preparation", "meeting"):
            etag = (await move(client, appraisal_id, etag, status)).headers["ETag"]

        refused = await move(client, appraisal_id, etag, "signed_by_appraisee")
        assert refused.status_code == 422
        assert refused.headers["content-type"] == PROBLEM
        problem = refused.json()
        assert problem["type"].endswith("/completion-rules-unmet")
        assert set(problem["unmet_rules"]) == {
            "objectives.weights_total",
            "objectives.outcome_recorded",
            "objectives.edi_objective",
            "behaviours.every_item_scored",
            "wellbeing.conversation_held",
        }
        paths = {error["path"] for error in problem["errors"]}
        assert "appraisal.objectives.1.outcome" in paths
        assert (await outbox_rows(svc)) == []
        still = await client.get(f"/v1/appraisals/{appraisal_id}", headers=READER)
        assert still.json()["status"] == "meeting"
        assert still.headers["ETag"] == etag


async def test_non_managers_complete_without_an_edi_objective(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        await seed_person(svc, "100007", is_line_manager=False)
        created = await create(client, "100007")
        appraisal_id, etag = created.json()["id"], created.headers["ETag"]
        objectives = [{"title": "Audit discharge letters", "weight": 100, "outcome": "meets"}]
        patched = await client.patch(
            f"/v1/appraisals/{appraisal_id}",
            json={**CONTENT, "objectives": objectives},
            headers={**WRITER, "If-Match": etag},
        )
        etag = patched.headers["ETag"]
        for status in ("preparation", "meeting", "signed_by_appraisee", "completed"):
            moved = await move(client, appraisal_id, etag, status)
            assert moved.status_code == 200, moved.text
            etag = moved.headers["ETag"]
        assert (await outbox_rows(svc))[0].payload["edi_objective_set"] is False


# ---- idempotency and duplicates -------------------------------------------------------------


async def test_create_is_idempotent(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        key = {"Idempotency-Key": str(uuid.uuid4())}
        body = {
            "person_id": "100008",
            "org_code": "rr8",
            "appraiser_id": "900001",
            "cycle_year": 2026,
        }
        first = await client.post("/v1/appraisals", json=body, headers={**WRITER, **key})
        again = await client.post("/v1/appraisals", json=body, headers={**WRITER, **key})
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert first.json()["org_code"] == LEEDS

        changed = await client.post(
            "/v1/appraisals", json={**body, "cycle_year": 2027}, headers={**WRITER, **key}
        )
        assert changed.status_code == 422
        assert changed.headers["content-type"] == PROBLEM

        # Without the key, the same request is a second attempt at the same appraisal.
        duplicate = await client.post("/v1/appraisals", json=body, headers=WRITER)
        assert duplicate.status_code == 409
        assert duplicate.json()["existing_appraisal_id"] == first.json()["id"]

        listed = await client.get("/v1/appraisals", params={"person_id": "100008"}, headers=READER)
        assert len(listed.json()["items"]) == 1

        # The transition endpoint replays too, instead of answering the retry with 412.
        appraisal_id, etag = first.json()["id"], first.headers["ETag"]
        move_key = {"Idempotency-Key": str(uuid.uuid4())}
        url = f"/v1/appraisals/{appraisal_id}/transitions"
        headers = {**WRITER, **move_key, "If-Match": etag}
        moved = await client.post(url, json={"to": "preparation"}, headers=headers)
        retried = await client.post(url, json={"to": "preparation"}, headers=headers)
        assert moved.status_code == retried.status_code == 200
        assert retried.headers.get("Idempotent-Replayed") == "true"
        assert retried.json()["version"] == moved.json()["version"] == 2


# ---- authentication and reach ---------------------------------------------------------------


async def test_tokens_reach_only_their_organisations(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        created = await create(client, "100009", org_code=LEEDS)
        appraisal_id, etag = created.json()["id"], created.headers["ETag"]
        url = f"/v1/appraisals/{appraisal_id}"
        london = auth("appraisal:read appraisal:write", org=GUYS)

        assert (await client.get(url)).status_code == 401
        assert (await client.get(url)).headers["content-type"] == PROBLEM
        assert (await client.get(url, headers=auth("talent:read", org=LEEDS))).status_code == 403
        assert (await create(client, "100010", headers=READER, org_code=LEEDS)).status_code == 403

        assert (await client.get(url, headers=london)).status_code == 403
        patched = await client.patch(
            url, json={"performance_outcome": "meets"}, headers={**london, "If-Match": etag}
        )
        assert patched.status_code == 403
        assert (await create(client, "100011", headers=london, org_code=LEEDS)).status_code == 403

        listed = await client.get("/v1/appraisals", headers=london)
        assert listed.status_code == 200
        assert listed.json() == {"items": [], "next_cursor": None}
        asked = await client.get("/v1/appraisals", params={"org_code": LEEDS}, headers=london)
        assert asked.status_code == 403

        # A regional token reaches the trusts of its region; a national one reaches all.
        yorkshire = auth("appraisal:read", region="Y63")
        assert (await client.get(url, headers=yorkshire)).status_code == 200
        assert len((await client.get("/v1/appraisals", headers=yorkshire)).json()["items"]) == 1
        london_region = auth("appraisal:read", region="Y56")
        assert (await client.get(url, headers=london_region)).status_code == 403
        national = auth("appraisal:read national")
        assert (await client.get(url, headers=national)).status_code == 200
        no_reach = auth("appraisal:read")
        assert (await client.get("/v1/appraisals", headers=no_reach)).json()["items"] == []


# ---- validation and lists -------------------------------------------------------------------


async def test_bad_input_is_a_422_problem(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        cases: list[dict[str, Any]] = [
            {"person_id": "not a number!", "appraiser_id": "900001", "cycle_year": 2026},
            {"person_id": "100012", "appraiser_id": "100012", "cycle_year": 2026},
            {"person_id": "100012", "appraiser_id": "900001", "cycle_year": 1999},
            {"person_id": "100012", "appraiser_id": "900001", "cycle_year": 2026, "colour": "red"},
            {"person_id": "100012", "appraiser_id": "900001", "cycle_year": 2026, "org_code": "R!"},
            {
                "person_id": "100012",
                "appraiser_id": "900001",
                "cycle_year": 2026,
                "board_role": "x",
            },
            {
                "person_id": "100012",
                "appraiser_id": "900001",
                "cycle_year": 2026,
                "template_version": "1999.9",
            },
            # Unknown to the directory and no org_code: the employer cannot be inferred.
            {"person_id": "100012", "appraiser_id": "900001", "cycle_year": 2026},
            {
                "person_id": "100012",
                "appraiser_id": "900001",
                "cycle_year": 2026,
                "org_code": "ZZZ9",
            },
        ]
        national = auth("appraisal:read appraisal:write national")
        for body in cases:
            response = await client.post("/v1/appraisals", json=body, headers=national)
            assert response.status_code == 422, (body, response.text)
            assert response.headers["content-type"] == PROBLEM
            assert response.json()["errors"], body
        malformed = await client.post(
            "/v1/appraisals",
            content=b"{not json",
            headers={**national, "content-type": "application/json"},
        )
        assert malformed.status_code == 400

        await seed_person(svc, "100013", status="left")
        gone = await create(client, "100013", org_code=LEEDS)
        assert gone.status_code == 422

        created = await create(client, "100014", org_code=LEEDS)
        appraisal_id, etag = created.json()["id"], created.headers["ETag"]
        bad_patches: list[dict[str, Any]] = [
            {},
            {"objectives": [{"title": "x", "weight": 150}]},
            {"objectives": [{"title": "", "weight": 10}]},
            # PostgreSQL refuses NUL in text: refused at the edge, never a 500.
            {"objectives": [{"title": "a\x00b", "weight": 10}]},
            {"objectives": [{"title": "ok", "weight": 10, "success_criteria": "x\x00"}]},
            {"objectives": [{"title": "ok", "weight": 10.5}]},
            {"objectives": [{"title": "ok", "weight": 10}] * 21},
            {"performance_outcome": "brilliant"},
            {"behaviour_scores": {"punctuality": "often"}},
            {"behaviour_scores": {"compassion": "always"}},
            {"aspirations": {"direction": "sideways"}},
            {"development_programme_codes": ["NYE-BEVAN", "nye-bevan"]},
            {"appraiser_id": None},
            {"appraiser_id": "100014"},
            {"status": "completed"},
        ]
        for patch in bad_patches:
            response = await client.patch(
                f"/v1/appraisals/{appraisal_id}", json=patch, headers={**WRITER, "If-Match": etag}
            )
            assert response.status_code == 422, (patch, response.text)
            assert response.headers["content-type"] == PROBLEM

        for path in ("/v1/appraisals/not-a-uuid", f"/v1/appraisals/{uuid.uuid4()}"):
            response = await client.get(path, headers=READER)
            assert response.status_code in (404, 422)
            assert response.headers["content-type"] == PROBLEM


async def test_lists_page_and_filter(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        ids = []
        for person_id, year in (("200001", 2025), ("200002", 2026), ("200003", 2026)):
            created = await create(client, person_id, org_code=LEEDS, cycle_year=year)
            ids.append(created.json()["id"])
        await create(
            client,
            "200004",
            org_code=GUYS,
            headers=auth("appraisal:write", org=GUYS),
        )

        first = await client.get("/v1/appraisals", params={"limit": 2}, headers=READER)
        assert first.status_code == 200
        page = first.json()
        assert [item["id"] for item in page["items"]] == ids[:2]
        assert page["next_cursor"]
        second = await client.get(
            "/v1/appraisals", params={"limit": 2, "cursor": page["next_cursor"]}, headers=READER
        )
        assert [item["id"] for item in second.json()["items"]] == ids[2:]
        assert second.json()["next_cursor"] is None

        by_year = await client.get("/v1/appraisals", params={"cycle_year": 2026}, headers=READER)
        assert [item["id"] for item in by_year.json()["items"]] == ids[1:]
        by_person = await client.get(
            "/v1/appraisals", params={"person_id": "200001"}, headers=READER
        )
        assert [item["id"] for item in by_person.json()["items"]] == ids[:1]
        by_status = await client.get(
            "/v1/appraisals", params={"status": "completed"}, headers=READER
        )
        assert by_status.json()["items"] == []
        by_org = await client.get("/v1/appraisals", params={"org_code": "rr8"}, headers=READER)
        assert len(by_org.json()["items"]) == 3

        for params in (
            {"cursor": "garbage!"},
            {"limit": 0},
            {"status": "lost"},
            {"cycle_year": "x"},
        ):
            response = await client.get("/v1/appraisals", params=params, headers=READER)
            assert response.status_code == 422, params
            assert response.headers["content-type"] == PROBLEM
