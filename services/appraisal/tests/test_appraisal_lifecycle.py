"""The appraisal life cycle over HTTP, with the real PostgreSQL and broker: sign-off, reopening,
the appraiser's credential, If-Match, the NED disagreement rule, board multi-source feedback,
and the completed event read off the topic and checked against the AsyncAPI document."""

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

import appraisal.models  # noqa: F401  (registers every table on the metadata)
from appraisal.credentials import service as credential_service
from appraisal.credentials.events import CredentialRevoked, TrainingAccredited
from appraisal.credentials.models import AppraiserCredential
from appraisal.db import Base
from appraisal.people import service as people_service
from appraisal.people.events import PersonChanged
from devstack import flows
from devstack.testing import auth, eventually, migrate, migrations_dir
from shared.events.cloudevents import Envelope, encode_headers
from shared.migrations import alembic_config
from shared.tables import outbox

LEEDS = "RR8"  # Leeds Teaching Hospitals NHS Trust
PROBLEM = "application/problem+json"
WAIT_SECONDS = 20.0
ASYNCAPI = Path(__file__).resolve().parents[1] / "asyncapi.yaml"

WRITER = auth("appraisal:read appraisal:write", org=LEEDS, subject="hr-system-leeds")
READER = auth("appraisal:read", org=LEEDS)
APPRAISER = "900001"
SKILLS = "NHS-APPRAISAL-SKILLS"


def _envelope(event: Any, source: str) -> Envelope:
    return Envelope(
        id=str(uuid.uuid4()),
        source=source,
        type=event.event_type(),
        time=datetime.now(UTC),
        subject=None,
        data=event.model_dump(mode="json"),
    )


async def seed_person(
    svc: Any, person_id: str, *, band: str = "8a", is_line_manager: bool = True
) -> None:
    """Put a person in the projection as the person.changed consumer would."""
    event = PersonChanged(
        person_id=person_id, org_code=LEEDS, band=band, is_line_manager=is_line_manager
    )
    async with svc.db.session() as session, session.begin():
        await people_service.record_person_changed(
            session=session, event=event, envelope=_envelope(event, "/leadership/talent")
        )


async def seed_credential(svc: Any, person_id: str) -> uuid.UUID:
    """An appraisal-skills award, applied by the training.accredited consumer handler."""
    event = TrainingAccredited(
        credential_id=uuid.uuid4(),
        person_id=person_id,
        programme_code=SKILLS,
        awarded_at=datetime.now(UTC) - timedelta(days=10),
        expires_at=None,
    )
    async with svc.db.session() as session, session.begin():
        await credential_service.handle_training_accredited(
            session, _envelope(event, "/leadership/standards"), event
        )
    return event.credential_id


async def create(
    client: httpx.AsyncClient, person_id: str, *, headers: dict[str, str] = WRITER, **fields: Any
) -> httpx.Response:
    body = {"person_id": person_id, "appraiser_id": APPRAISER, "cycle_year": 2026, **fields}
    return await client.post("/v1/appraisals", json=body, headers=headers)


async def move(
    client: httpx.AsyncClient, appraisal_id: str, etag: str, to: str, **fields: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/appraisals/{appraisal_id}/transitions",
        json={"to": to, **fields},
        headers={**WRITER, "If-Match": etag},
    )


async def patch(
    client: httpx.AsyncClient, appraisal_id: str, etag: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.patch(
        f"/v1/appraisals/{appraisal_id}", json=body, headers={**WRITER, "If-Match": etag}
    )


def ok(response: httpx.Response, status: int = 200) -> str:
    assert response.status_code == status, response.text
    return response.headers["ETag"]


async def in_meeting(client: httpx.AsyncClient, person_id: str, **fields: Any) -> tuple[str, str]:
    created = await create(client, person_id, **fields)
    etag = ok(created, 201)
    appraisal_id = created.json()["id"]
    for status in ("preparation", "meeting"):
        etag = ok(await move(client, appraisal_id, etag, status))
    return appraisal_id, etag


def problem_rules(response: httpx.Response) -> set[str]:
    assert response.headers["content-type"] == PROBLEM, response.text
    body = response.json()
    return set(body.get("unmet_rules", [])) | ({body["rule"]} if "rule" in body else set())


async def read_off_topic(svc: Any, appraisal_id: str, event_type: str) -> list[Any]:
    """The broker's copies of this appraisal's events of one type, where the relay put them."""

    async def acknowledged() -> list[Any] | None:
        async with svc.db.session() as session:
            rows = (
                await session.execute(
                    select(outbox)
                    .where(outbox.c.type == event_type)
                    .where(outbox.c.subject == f"appraisals/{appraisal_id}")
                    .order_by(outbox.c.seq)
                )
            ).all()
        return rows if rows and all(r.published_at is not None for r in rows) else None

    rows = await eventually(acknowledged, timeout=WAIT_SECONDS)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=svc.settings.kafka_bootstrap_servers, enable_auto_commit=False
    )
    await consumer.start()
    try:
        records = []
        for row in rows:
            partition = TopicPartition(row.topic, row.partition)
            consumer.assign([partition])
            consumer.seek(partition, row.offset)
            records.append(await asyncio.wait_for(consumer.getone(partition), WAIT_SECONDS))
        return records
    finally:
        await consumer.stop()


def asyncapi_payload_validator(message: str) -> Any:
    """A validator for one message's payload, resolving references inside the document."""
    document = yaml.safe_load(ASYNCAPI.read_text())
    payload = document["components"]["messages"][message]["payload"]
    schema = {**payload, "components": document["components"]}
    validator_class = jsonschema.validators.validator_for({})
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def staff_content(**overrides: Any) -> dict[str, Any]:
    return {**flows.APPRAISAL_CONTENT, **overrides}


# ---- a staff appraisal from start to completed, reopened and completed again --------------------


async def test_staff_appraisal_completes_reopens_and_completes_again(start_service: Any) -> None:
    async with start_service(
        "appraisal", run_workers=True, appraiser_credential_policy="block"
    ) as svc:
        client = svc.client
        await seed_person(svc, "100001", band="8a", is_line_manager=True)
        await seed_credential(svc, APPRAISER)

        key = {"Idempotency-Key": str(uuid.uuid4())}
        body = {"person_id": "100001", "appraiser_id": APPRAISER, "cycle_year": 2026}
        created = await client.post("/v1/appraisals", json=body, headers={**WRITER, **key})
        etag = ok(created, 201)
        appraisal = created.json()
        appraisal_id = appraisal["id"]
        assert appraisal["status"] == "not_started"
        assert appraisal["kind"] == "staff"
        assert appraisal["org_code"] == LEEDS  # from the people projection
        assert appraisal["appraiser_credentialed"] is True and appraisal["warnings"] == []
        assert appraisal["allowed_transitions"] == ["cancelled", "preparation"]
        # The same Idempotency-Key replays the first answer instead of a 409 or a second row.
        again = await client.post("/v1/appraisals", json=body, headers={**WRITER, **key})
        assert again.status_code == 201 and again.json()["id"] == appraisal_id

        etag = ok(await move(client, appraisal_id, etag, "preparation"))
        etag = ok(await move(client, appraisal_id, etag, "meeting"))
        # Signing an empty record is refused with every unmet section named.
        refused = await move(client, appraisal_id, etag, "signed_by_appraisee")
        assert refused.status_code == 422
        assert {"objectives.present", "wellbeing.conversation_held"} <= problem_rules(refused)

        etag = ok(await patch(client, appraisal_id, etag, staff_content()))
        etag = ok(await move(client, appraisal_id, etag, "signed_by_appraisee"))
        # Signed content is locked.
        locked = await patch(client, appraisal_id, etag, {"performance_outcome": "exceeds"})
        assert locked.status_code == 409, locked.text
        completed = await move(client, appraisal_id, etag, "completed")
        etag = ok(completed)
        first = completed.json()
        assert first["status"] == "completed"
        assert first["band"] == "8a"
        assert first["appraisee_signed_at"] and first["appraiser_signed_at"]
        assert first["allowed_transitions"] == ["reopened"]

        # Reopened with a reason: back to the meeting, signatures no longer stand.
        no_reason = await move(client, appraisal_id, etag, "reopened")
        assert no_reason.status_code == 422
        reopened = await move(client, appraisal_id, etag, "reopened", reason_code="late_evidence")
        etag = ok(reopened)
        assert reopened.json()["status"] == "meeting"
        assert reopened.json()["reopen_reason"] == "late_evidence"
        assert reopened.json()["appraisee_signed_at"] is None

        etag = ok(await patch(client, appraisal_id, etag, {"performance_outcome": "exceeds"}))
        # This time the appraiser signs first and the appraisee's signature completes it.
        etag = ok(await move(client, appraisal_id, etag, "signed_by_appraiser"))
        second = await move(client, appraisal_id, etag, "completed")
        ok(second)
        assert second.json()["performance_outcome"] == "exceeds"

        history = await client.get(f"/v1/appraisals/{appraisal_id}/history", headers=READER)
        assert history.status_code == 200, history.text
        moves = [
            (c["from_status"], c["to_status"], c["action"], c["reason_code"])
            for c in history.json()["items"]
        ]
        assert moves == [
            ("not_started", "preparation", "preparation", None),
            ("preparation", "meeting", "meeting", None),
            ("meeting", "signed_by_appraisee", "signed_by_appraisee", None),
            ("signed_by_appraisee", "completed", "completed", None),
            ("completed", "meeting", "reopened", "late_evidence"),
            ("meeting", "signed_by_appraiser", "signed_by_appraiser", None),
            ("signed_by_appraiser", "completed", "completed", None),
        ]
        assert {c["actor"] for c in history.json()["items"]} == {"hr-system-leeds"}

        # Both completions and the reopening are on the topic; the completed events match the
        # AsyncAPI schema exactly as read off the broker.
        validator = asyncapi_payload_validator("AppraisalCompleted")
        records = await read_off_topic(svc, appraisal_id, "leadership.appraisal.completed.v1")
        assert len(records) == 2
        payloads = [json.loads(record.value) for record in records]
        for record, payload in zip(records, payloads, strict=True):
            validator.validate(payload)
            headers = {k: v.decode() for k, v in record.headers}
            assert headers["ce_type"] == "leadership.appraisal.completed.v1"
            assert headers["ce_subject"] == f"appraisals/{appraisal_id}"
            assert "100001" not in json.dumps(headers)  # no person_id in headers
            assert record.key == b"100001"
        assert [p["performance_outcome"] for p in payloads] == ["meets", "exceeds"]
        latest = payloads[1]
        assert latest["kind"] == "staff" and latest["band_or_role"] == "8a"
        assert latest["behaviour_framework"] == "nhs_values"
        assert {s["code"] for s in latest["behaviour_scores"]} == {
            "working_together_for_patients",
            "respect_and_dignity",
            "commitment_to_quality_of_care",
            "compassion",
            "improving_lives",
            "everyone_counts",
        }
        assert latest["appraiser_id"] == APPRAISER
        assert latest["cycle_year"] == 2026 and latest["template_version"] == "2025.1"
        assert latest["aspirations"]["direction"] == "stretch"
        assert latest["development_programme_codes"] == [flows.ACCREDITED_PROGRAMME]
        # Never free text: no objective title, nothing of the wellbeing conversation.
        text = json.dumps(latest)
        assert "Reduce elective waiting times" not in text and "wellbeing" not in text
        reopened_records = await read_off_topic(
            svc, appraisal_id, "leadership.appraisal.reopened.v1"
        )
        reopened_payload = json.loads(reopened_records[0].value)
        asyncapi_payload_validator("AppraisalReopened").validate(reopened_payload)
        assert reopened_payload["reason_code"] == "late_evidence"


# ---- If-Match -----------------------------------------------------------------------------------


async def test_a_stale_if_match_is_refused_with_412_and_a_missing_one_with_428(
    start_service: Any,
) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        created = await create(client, "100002", org_code=LEEDS)
        stale = ok(created, 201)
        appraisal_id = created.json()["id"]
        current = ok(await move(client, appraisal_id, stale, "preparation"))

        for attempt in (
            await move(client, appraisal_id, stale, "meeting"),
            await patch(client, appraisal_id, stale, {"wellbeing_conversation_held": True}),
        ):
            assert attempt.status_code == 412, attempt.text
            assert attempt.headers["content-type"] == PROBLEM
        missing = await client.post(
            f"/v1/appraisals/{appraisal_id}/transitions", json={"to": "meeting"}, headers=WRITER
        )
        assert missing.status_code == 428, missing.text
        # Nothing moved: the current ETag still stands and works.
        fetched = await client.get(f"/v1/appraisals/{appraisal_id}", headers=READER)
        assert fetched.headers["ETag"] == current
        assert fetched.json()["status"] == "preparation"
        ok(await move(client, appraisal_id, current, "meeting"))


# ---- the appraiser's credential -----------------------------------------------------------------


async def test_an_appraiser_without_the_credential_is_refused_under_the_blocking_policy(
    start_service: Any,
) -> None:
    async with start_service(
        "appraisal", run_workers=True, appraiser_credential_policy="block"
    ) as svc:
        client = svc.client
        refused = await create(client, "100003", org_code=LEEDS, appraiser_id="900003")
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == PROBLEM
        assert refused.json()["rule"] == "appraiser.appraisal_skills_credential"
        assert refused.json()["errors"][0]["path"] == "body.appraiser_id"
        assert SKILLS in refused.json()["detail"]

        # The credential arrives as standards publishes it, through the broker and the consumer.
        credential_id = uuid.uuid4()
        producer = AIOKafkaProducer(bootstrap_servers=svc.settings.kafka_bootstrap_servers)
        await producer.start()
        try:
            await producer.send_and_wait(
                "leadership.standards",
                key=b"900003",
                value=json.dumps(
                    {
                        "record_id": str(uuid.uuid4()),
                        "credential_id": str(credential_id),
                        "person_id": "900003",
                        "org_code": LEEDS,
                        "programme_code": SKILLS,
                        "standards": ["MLF-2025"],
                        "levels": ["first_line"],
                        "awarded_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
                        "expires_at": None,
                        "completed_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
                        "provider_id": str(uuid.uuid4()),
                    }
                ).encode(),
                headers=encode_headers(
                    event_id=uuid.uuid4(),
                    source="/leadership/standards",
                    event_type=TrainingAccredited.event_type(),
                    time=datetime.now(UTC),
                    subject=f"credentials/{credential_id}",
                ),
            )
        finally:
            await producer.stop()

        async def projected() -> bool:
            async with svc.db.session() as session:
                return await session.get(AppraiserCredential, credential_id) is not None

        await eventually(projected, timeout=WAIT_SECONDS)
        created = await create(client, "100003", org_code=LEEDS, appraiser_id="900003")
        etag = ok(created, 201)
        assert created.json()["appraiser_credentialed"] is True

        # Revoked before sign-off: the appraiser can no longer complete it.
        revoked = CredentialRevoked(
            credential_id=credential_id,
            person_id="900003",
            reason_code="issued_in_error",
            revoked_at=datetime.now(UTC),
        )
        async with svc.db.session() as session, session.begin():
            await credential_service.handle_credential_revoked(
                session, _envelope(revoked, "/leadership/standards"), revoked
            )
        appraisal_id = created.json()["id"]
        await seed_person(svc, "100003")
        etag = ok(await patch(client, appraisal_id, etag, staff_content()))
        for status in ("preparation", "meeting", "signed_by_appraisee"):
            etag = ok(await move(client, appraisal_id, etag, status))
        blocked = await move(client, appraisal_id, etag, "completed")
        assert blocked.status_code == 422, blocked.text
        assert blocked.json()["rule"] == "appraiser.appraisal_skills_credential"


async def test_a_revocation_seen_before_its_award_keeps_the_credential_revoked(
    start_service: Any,
) -> None:
    async with start_service("appraisal") as svc:
        credential_id = uuid.uuid4()
        now = datetime.now(UTC)
        revoked = CredentialRevoked(
            credential_id=credential_id, person_id="900006", reason_code="fraud", revoked_at=now
        )
        awarded = TrainingAccredited(
            credential_id=credential_id,
            person_id="900006",
            programme_code=SKILLS,
            awarded_at=now - timedelta(days=30),
        )
        async with svc.db.session() as session, session.begin():
            await credential_service.handle_credential_revoked(
                session, _envelope(revoked, "/leadership/standards"), revoked
            )
            await credential_service.handle_training_accredited(
                session, _envelope(awarded, "/leadership/standards"), awarded
            )
        async with svc.db.session() as session:
            assert not await credential_service.holds_appraisal_skills(
                session=session, person_id="900006", at=datetime.now(UTC)
            )
            row = await session.get(AppraiserCredential, credential_id)
            assert row is not None and row.programme_code == SKILLS and row.revoked_at is not None


async def test_the_warning_policy_lets_the_appraisal_go_ahead_and_says_so(
    start_service: Any,
) -> None:
    async with start_service("appraisal", appraiser_credential_policy="warn") as svc:
        created = await create(svc.client, "100004", org_code=LEEDS, appraiser_id="900004")
        ok(created, 201)
        assert created.json()["appraiser_credentialed"] is False
        assert created.json()["warnings"] == [
            {
                "rule": "appraiser.appraisal_skills_credential",
                "message": "the appraiser holds no valid appraisal-skills credential",
            }
        ]


async def test_nobody_appraises_themselves(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        refused = await create(svc.client, "100005", org_code=LEEDS, appraiser_id="100005")
        assert refused.status_code == 422
        assert refused.json()["rule"] == "appraiser.not_appraisee"
        created = await create(svc.client, "100005", org_code=LEEDS)
        etag = ok(created, 201)
        changed = await patch(svc.client, created.json()["id"], etag, {"appraiser_id": "100005"})
        assert changed.status_code == 422 and changed.json()["rule"] == "appraiser.not_appraisee"


# ---- board members: feedback, FPPT, the NED disagreement rule -----------------------------------


def board_content(**overrides: Any) -> dict[str, Any]:
    content: dict[str, Any] = {
        "objectives": [
            {
                "title": "Chair the quality committee's review of maternity",
                "weight": 70,
                "outcome": "meets",
            },
            {
                "title": "Sponsor the board's anti-racism objectives",
                "weight": 30,
                "outcome": "meets",
                "is_edi_objective": True,
            },
        ],
        "performance_outcome": "partially_meets",
        "behaviour_outcome": "meets",
        "behaviour_scores": {
            "lcf_outcomes": "often",
            "lcf_strategy": "often",
            "lcf_equality": "sometimes",
            "lcf_governance": "almost_always",
            "lcf_culture": "often",
            "lcf_partnerships": "often",
        },
        "aspirations": {
            "impact": "strong",
            "growth_ambition": "growing",
            "direction": "breadth",
            "target_level": "board",
            "timeframe": "one_to_two_years",
            "mobility": "region",
            "challenged_organisation_interest": True,
        },
        "wellbeing_conversation_held": True,
        "fppt_assessed_on": (date.today() - timedelta(days=60)).isoformat(),
    }
    content.update(overrides)
    return content


async def give_feedback(client: httpx.AsyncClient, appraisal_id: str, responses: int) -> None:
    """Board colleagues answer through their single-use links."""
    for _ in range(responses):
        asked = await client.post(
            f"/v1/appraisals/{appraisal_id}/feedback-requests",
            json={"category": "board_colleague"},
            headers=WRITER,
        )
        assert asked.status_code == 201, asked.text
        request = asked.json()
        answered = await client.post(
            "/v1/feedback-responses",
            json={
                "token": request["response_token"],
                "ratings": dict.fromkeys(request["questions"], "often"),
            },
        )
        assert answered.status_code == 201, answered.text


async def test_board_appraisal_needs_feedback_above_the_threshold_and_records_a_neds_disagreement(
    start_service: Any,
) -> None:
    async with start_service("appraisal", run_workers=True) as svc:
        client = svc.client
        appraisal_id, etag = await in_meeting(
            client, "200001", org_code=LEEDS, board_role="non_executive", appraiser_id="200900"
        )
        # NHS values are the staff variant: a board appraisal rates the LCF domains.
        wrong_scale = await patch(
            client, appraisal_id, etag, board_content(behaviour_scores={"compassion": "often"})
        )
        assert wrong_scale.status_code == 422, wrong_scale.text
        etag = ok(await patch(client, appraisal_id, etag, board_content()))

        # Two board colleagues answered: below the reporting minimum of three.
        await give_feedback(client, appraisal_id, 2)
        below = await move(client, appraisal_id, etag, "signed_by_appraiser")
        assert below.status_code == 422, below.text
        assert problem_rules(below) == {"board.multi_source_feedback"}

        await give_feedback(client, appraisal_id, 1)
        etag = ok(await move(client, appraisal_id, etag, "signed_by_appraiser"))
        # The NED disagrees with the chair's assessment: it stands, the disagreement is noted.
        completed = await move(
            client,
            appraisal_id,
            etag,
            "completed",
            appraisee_agrees=False,
            appraisee_view={"performance_outcome": "meets"},
        )
        ok(completed)
        body = completed.json()
        assert body["status"] == "completed"
        assert body["performance_outcome"] == "partially_meets"  # the chair's
        assert body["appraisee_disagreement"] == {
            "recorded": True,
            "performance_outcome": "meets",
            "behaviour_outcome": None,
        }
        history = await client.get(f"/v1/appraisals/{appraisal_id}/history", headers=READER)
        assert history.json()["items"][-1]["disagreement_recorded"] is True

        records = await read_off_topic(svc, appraisal_id, "leadership.appraisal.completed.v1")
        payload = json.loads(records[0].value)
        asyncapi_payload_validator("AppraisalCompleted").validate(payload)
        assert payload["kind"] == "board" and payload["band_or_role"] == "non_executive"
        assert payload["behaviour_framework"] == "lcf_2024"
        assert payload["performance_outcome"] == "partially_meets"
        assert payload["appraisee_disagreement_recorded"] is True
        assert payload["aspirations"]["impact"] == "strong"


async def test_an_executive_resolves_a_disagreement_in_the_meeting(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        appraisal_id, etag = await in_meeting(
            client, "200002", org_code=LEEDS, board_role="executive_director"
        )
        etag = ok(await patch(client, appraisal_id, etag, board_content()))
        await give_feedback(client, appraisal_id, 3)
        refused = await move(
            client, appraisal_id, etag, "signed_by_appraisee", appraisee_agrees=False
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["rule"] == "sign_off.disagreement_unresolved"
        # Without a current FPPT assessment a board member cannot be signed off.
        etag = ok(await patch(client, appraisal_id, etag, {"fppt_assessed_on": "2024-01-10"}))
        stale_fppt = await move(client, appraisal_id, etag, "signed_by_appraisee")
        assert problem_rules(stale_fppt) == {"board.fppt_confirmed"}


# ---- cancelling ---------------------------------------------------------------------------------


async def test_a_cancelled_appraisal_frees_the_cycle_for_a_new_one(start_service: Any) -> None:
    async with start_service("appraisal") as svc:
        client = svc.client
        created = await create(client, "100006", org_code=LEEDS)
        etag = ok(created, 201)
        duplicate = await create(client, "100006", org_code=LEEDS)
        assert duplicate.status_code == 409
        no_reason = await move(client, created.json()["id"], etag, "cancelled")
        assert no_reason.status_code == 422
        cancelled = await move(
            client, created.json()["id"], etag, "cancelled", cancel_reason="opened_in_error"
        )
        ok(cancelled)
        assert cancelled.json()["status"] == "cancelled"
        assert cancelled.json()["allowed_transitions"] == []
        ok(await create(client, "100006", org_code=LEEDS), 201)


# ---- the schema ---------------------------------------------------------------------------------


def _alembic(url: str, action: str, revision: str) -> None:
    config = alembic_config(
        service_name="appraisal", migrations_dir=migrations_dir("appraisal"), database_url=url
    )
    getattr(command, action)(config, revision)


async def _execute(url: str, *statements: str) -> list[Any]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            results = [await connection.execute(text(statement)) for statement in statements]
            return [result.all() if result.returns_rows else None for result in results]
    finally:
        await engine.dispose()


async def test_migrations_map_old_appraisals_build_the_models_tables_and_undo(
    embedded_postgres: Any,
) -> None:
    name = f"appraisal_schema_{uuid.uuid4().hex[:8]}"
    embedded_postgres.create_database(name)
    try:
        url = embedded_postgres.url(name)
        # An appraisal of the first slice, awaiting sign-off, with its history.
        await asyncio.to_thread(_alembic, url, "upgrade", "20261122_0001")
        appraisal_id = uuid.uuid4()
        await _execute(
            url,
            "INSERT INTO appraisals (id, person_id, org_code, appraiser_id, cycle_year, "
            "template_version, status, version) VALUES "
            f"('{appraisal_id}', '700001', 'RR8', '900001', 2025, '2025.1', "
            "'awaiting_sign_off', 3)",
            "INSERT INTO appraisal_status_changes (id, appraisal_id, from_status, to_status, "
            f"actor, changed_at) VALUES ('{uuid.uuid4()}', '{appraisal_id}', 'draft', "
            "'in_progress', 'hr', now())",
        )
        await asyncio.to_thread(migrate, "appraisal", url)
        status, history = await _execute(
            url,
            f"SELECT status, kind FROM appraisals WHERE id = '{appraisal_id}'",
            "SELECT from_status, to_status FROM appraisal_status_changes",
        )
        assert status == [("meeting", "staff")]
        assert history == [("not_started", "meeting")]

        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                diffs = await connection.run_sync(
                    lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
                )
        finally:
            await engine.dispose()
        modelled = set(Base.metadata.tables)
        assert [
            diff
            for diff in diffs
            if not (diff[0] == "remove_table" and diff[1].name not in modelled)
            and not (diff[0] == "remove_index" and diff[1].table.name not in modelled)
        ] == []

        # And back: the first slice's schema and states, then forward again.
        await asyncio.to_thread(_alembic, url, "downgrade", "20261122_0001")
        (back,) = await _execute(url, f"SELECT status FROM appraisals WHERE id = '{appraisal_id}'")
        assert back == [("in_progress",)]
        await asyncio.to_thread(migrate, "appraisal", url)
    finally:
        embedded_postgres.drop_database(name)
