"""Eligibility that changes with nobody asking: credentials reaching their expiry are noticed by
the worker's sweep (past a watermark, in slices), and full redeterminations (a new policy
version, an administrator's request) run as background jobs whose progress is a resource."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer
from sqlalchemy import func, select, update

from devstack.testing import auth, eventually
from shared.tables import outbox
from standards.eligibility import service as eligibility_service
from standards.learning.models import Credential

ADMIN = "standards:admin standards:read national"
WRITE = "standards:write standards:read national"
CHANGED = "leadership.eligibility.changed.v1"
FIRST_LINE = ["NLA-MARY-SEACOLE", "NHS-EDI-MODULE"]


async def _accredited_provider(svc, programmes: list[str]) -> str:
    created = await svc.client.post(
        "/v1/providers", json={"name": f"Provider {uuid.uuid4().hex[:6]}"}, headers=auth(ADMIN)
    )
    assert created.status_code == 201, created.text
    provider_id = created.json()["id"]
    for code in programmes:
        decision = await svc.client.post(
            f"/v1/providers/{provider_id}/accreditations",
            json={"programme_code": code, "status": "accredited", "valid_from": "2024-01-01"},
            headers=auth(ADMIN),
        )
        assert decision.status_code == 201, decision.text
    return provider_id


async def _first_line_holder(svc, provider_id: str) -> str:
    """A person whose Mary Seacole and EDI credentials open the first-line level."""
    person = uuid.uuid4().hex[:10]
    for programme in FIRST_LINE:
        response = await svc.client.post(
            f"/v1/learners/{person}/completions",
            json={
                "programme_code": programme,
                "provider_id": provider_id,
                "completed_at": (datetime.now(UTC) - timedelta(days=10)).isoformat(),
                "org_code": "RR8",
            },
            headers=auth(WRITE),
        )
        assert response.status_code == 201, response.text
    return person


async def _expire_edi(svc, person_id: str, at: datetime) -> None:
    # The EDI refresher interval is 36 months: its end is moved close instead of waited for.
    async with svc.db.session() as session, session.begin():
        await session.execute(
            update(Credential)
            .where(Credential.person_id == person_id, Credential.programme_code == "NHS-EDI-MODULE")
            .values(expires_at=at)
        )


async def _outbox_changes(svc, person_id: str | None = None) -> list[dict]:
    statement = select(outbox).where(outbox.c.type == CHANGED).order_by(outbox.c.seq)
    if person_id is not None:
        statement = statement.where(outbox.c.key == person_id)
    async with svc.db.session() as session:
        return [dict(row) for row in (await session.execute(statement)).mappings()]


async def _topic_changes(bootstrap: str, person_id: str, at_least: int, within: float) -> list:
    consumer = AIOKafkaConsumer(
        "leadership.standards",
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[dict] = []
    try:
        deadline = asyncio.get_running_loop().time() + within
        while len(found) < at_least and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    headers = dict(record.headers)
                    payload = json.loads(record.value)
                    if headers["ce_type"].decode() == CHANGED and payload["person_id"] == person_id:
                        found.append(payload)
    finally:
        await consumer.stop()
    return found


async def test_an_expiring_credential_closes_a_level_at_the_sweep_once(
    start_service, embedded_broker
) -> None:
    # The relay runs (the events reach the topic); the eligibility step is driven by the test.
    async with start_service(
        "standards", run_workers=True, eligibility_worker_interval_seconds=0
    ) as svc:
        provider = await _accredited_provider(svc, FIRST_LINE)
        person = await _first_line_holder(svc, provider)
        unaffected = await _first_line_holder(svc, provider)
        sweep = eligibility_service.sweep_expired_credentials
        name = svc.settings.service_name

        # A short validity: the credential ends two seconds from now.
        ends = datetime.now(UTC) + timedelta(seconds=2)
        await _expire_edi(svc, person, ends)
        early = await sweep(svc.db, service_name=name)
        assert (early.credentials, early.changes_published) == (0, 0)
        await asyncio.sleep(max(0.0, (ends - datetime.now(UTC)).total_seconds()) + 0.2)

        swept = await sweep(svc.db, service_name=name)
        assert (swept.credentials, swept.people, swept.changes_published) == (1, 1, 1)
        on_topic = await _topic_changes(
            embedded_broker.bootstrap_servers, person, at_least=3, within=6.0
        )
        assert [(e["level"], e["eligible"], e["previously_eligible"]) for e in on_topic] == [
            ("first_line", True, None),
            ("first_line", False, True),
        ]
        assert on_topic[1]["unmet_requirement_ids"] == ["first_line.edi"]

        # A second run finds nothing past its watermark and publishes nothing.
        again = await sweep(svc.db, service_name=name)
        assert (again.credentials, again.changes_published) == (0, 0)
        assert len(await _outbox_changes(svc, person)) == 2
        # The other holder's level stayed open and nothing was said about them.
        assert len(await _outbox_changes(svc, unaffected)) == 1
        answer = await svc.client.get(
            f"/v1/people/{unaffected}/eligibility?level=first_line", headers=auth(WRITE)
        )
        assert answer.json()["eligible"] is True

        # Many expiries are taken in bounded slices, each past the last one's watermark.
        others = [await _first_line_holder(svc, provider) for _ in range(3)]
        past = datetime.now(UTC) - timedelta(seconds=1)
        for other in others:
            await _expire_edi(svc, other, past)
        sliced = await sweep(svc.db, service_name=name, slice_size=2)
        assert (sliced.credentials, sliced.people, sliced.changes_published) == (3, 3, 3)
        for other in others:
            closed = await _outbox_changes(svc, other)
            assert [row["payload"]["eligible"] for row in closed] == [True, False]
        assert (await sweep(svc.db, service_name=name, slice_size=2)).credentials == 0


async def test_a_new_policy_version_is_applied_by_a_job_in_slices(start_service) -> None:
    async with start_service("standards", eligibility_worker_interval_seconds=0) as svc:
        provider = await _accredited_provider(svc, FIRST_LINE)
        people = sorted([await _first_line_holder(svc, provider) for _ in range(3)])
        assert len(await _outbox_changes(svc)) == 3

        current = await svc.client.get("/v1/eligibility/policies/current", headers=auth(WRITE))
        requirements = current.json()["requirements"]
        # The next version asks every first-line leader for the appraisal-skills module too.
        stricter = [
            *requirements,
            {
                "id": "first_line.appraisal_all",
                "level": "first_line",
                "kind": "programmes",
                "description": "Appraisal skills for every first-line leader",
                "programmes": ["NHS-APPRAISAL-SKILLS"],
                "applies_to": "everyone",
            },
        ]
        published = await svc.client.post(
            "/v1/eligibility/policies",
            json={"version": "2027.1", "requirements": stricter},
            headers=auth(ADMIN) | {"Idempotency-Key": uuid.uuid4().hex},
        )
        assert published.status_code == 201, published.text
        job = published.json()["redetermination_job"]
        assert (job["status"], job["reason"], job["policy_version"]) == (
            "queued",
            "policy",
            "2027.1",
        )
        job_path = f"/v1/eligibility/jobs/{job['id']}"
        # The request only queued the work: nothing was re-determined inside it ...
        assert len(await _outbox_changes(svc)) == 3
        # ... while an answer asked for is computed under the new version at once.
        asked = await svc.client.get(
            f"/v1/people/{people[0]}/eligibility?level=first_line", headers=auth(WRITE)
        )
        assert asked.json()["policy_version"] == "2027.1"
        assert asked.json()["eligible"] is False

        run = eligibility_service.run_jobs
        name = svc.settings.service_name
        first = await run(svc.db, service_name=name, slice_size=2, max_slices=1)
        assert (first.slices, first.people, first.changes_published) == (1, 2, 2)
        progress = (await svc.client.get(job_path, headers=auth(ADMIN))).json()
        assert progress["status"] == "running"
        assert (progress["people_total"], progress["people_processed"]) == (3, 2)
        assert progress["changes_published"] == 2
        assert progress["started_at"] is not None and progress["finished_at"] is None

        rest = await run(svc.db, service_name=name, slice_size=2)
        assert rest.completed == [uuid.UUID(job["id"])]
        done = (await svc.client.get(job_path, headers=auth(ADMIN))).json()
        assert done["status"] == "completed"
        assert (done["people_total"], done["people_processed"], done["changes_published"]) == (
            3,
            3,
            3,
        )
        for person in people:
            flips = await _outbox_changes(svc, person)
            assert [(f["payload"]["eligible"], f["payload"]["policy_version"]) for f in flips] == [
                (True, "2026.1"),
                (False, "2027.1"),
            ]
            assert flips[1]["payload"]["unmet_requirement_ids"] == ["first_line.appraisal_all"]
        # Nothing left to do; a repeat of the work would publish nothing.
        assert (await run(svc.db, service_name=name)).slices == 0

        # An administrator's full redetermination: 202 and a job; a second request while it is
        # still queued is the same job. Run, it finds every answer already current.
        requested = await svc.client.post("/v1/eligibility:redetermine", headers=auth(ADMIN))
        assert requested.status_code == 202, requested.text
        assert requested.headers["location"] == f"/v1/eligibility/jobs/{requested.json()['id']}"
        assert requested.json()["reason"] == "requested"
        assert requested.json()["people_total"] is None
        repeat = await svc.client.post("/v1/eligibility:redetermine", headers=auth(ADMIN))
        assert repeat.json()["id"] == requested.json()["id"]
        quiet = await run(svc.db, service_name=name)
        assert (quiet.people, quiet.changes_published) == (3, 0)
        assert len(await _outbox_changes(svc)) == 6

        # Errors are problems; the job resource is for administrators.
        missing = await svc.client.get(f"/v1/eligibility/jobs/{uuid.uuid4()}", headers=auth(ADMIN))
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        malformed = await svc.client.get("/v1/eligibility/jobs/not-a-job", headers=auth(ADMIN))
        assert malformed.status_code == 422
        assert malformed.headers["content-type"] == "application/problem+json"
        assert (await svc.client.get(job_path, headers=auth(WRITE))).status_code == 403
        refused = await svc.client.post("/v1/eligibility:redetermine", headers=auth(WRITE))
        assert refused.status_code == 403
        async with svc.db.session() as session:
            jobs = await session.scalar(
                select(func.count()).select_from(eligibility_service.EligibilityJob)
            )
        assert jobs == 2


async def test_the_worker_runs_jobs_and_the_sweep_on_its_own(start_service) -> None:
    async with start_service(
        "standards", run_workers=True, eligibility_worker_interval_seconds=0.3
    ) as svc:
        provider = await _accredited_provider(svc, FIRST_LINE)
        person = await _first_line_holder(svc, provider)
        await _expire_edi(svc, person, datetime.now(UTC) - timedelta(seconds=1))

        async def closed() -> list[dict] | None:
            rows = await _outbox_changes(svc, person)
            return rows if len(rows) == 2 else None

        flips = await eventually(closed, timeout=20)
        assert flips[1]["payload"]["eligible"] is False

        requested = await svc.client.post("/v1/eligibility:redetermine", headers=auth(ADMIN))
        assert requested.status_code == 202, requested.text

        async def finished() -> dict | None:
            job = await svc.client.get(requested.headers["location"], headers=auth(ADMIN))
            return job.json() if job.json()["status"] == "completed" else None

        job = await eventually(finished, timeout=20)
        assert (job["people_processed"], job["changes_published"]) == (1, 0)
        # It rides along with the service's one consumer, as the compliance sweep does.
        [consumer] = svc.app.state.consumers
        assert consumer.eligibility.running is True
