"""Accreditation decisions and learner records through the API, with the outbox rows they write.

No relay runs here (run_workers=False), so every event stays in the outbox where the test can
see that it was written in the same transaction as the change.
"""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from devstack.testing import auth
from shared.tables import outbox
from standards.learning.models import LearnerRecord
from standards.people import service as people_service
from standards.people.events import PersonChanged

ADMIN = "standards:admin standards:read"
WRITE = "standards:write standards:read national"
READ_ALL = "standards:read national"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def _person() -> str:
    return uuid.uuid4().hex[:12]


async def _outbox(svc) -> list[dict]:
    async with svc.db.session() as session:
        rows = await session.execute(select(outbox).order_by(outbox.c.seq))
        return [dict(row) for row in rows.mappings()]


async def _provider(svc, name: str = "Leeds Leadership Centre") -> str:
    response = await svc.client.post("/v1/providers", json={"name": name}, headers=auth(ADMIN))
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _decide(svc, provider_id: str, **body) -> dict:
    response = await svc.client.post(
        f"/v1/providers/{provider_id}/accreditations", json=body, headers=auth(ADMIN)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_accreditation_decisions_are_logged_checked_and_published(start_service) -> None:
    async with start_service("standards") as svc:
        provider_id = await _provider(svc)
        path = f"/v1/providers/{provider_id}/accreditations"
        grant = {
            "programme_code": "nla-mary-seacole",
            "status": "accredited",
            "valid_from": "2025-01-01",
            "valid_to": "2027-12-31",
        }
        key = {"Idempotency-Key": "grant-1"}
        first = await svc.client.post(path, json=grant, headers=auth(ADMIN) | key)
        assert first.status_code == 201, first.text
        granted = first.json()
        assert granted["programme_code"] == "NLA-MARY-SEACOLE"
        replay = await svc.client.post(path, json=grant, headers=auth(ADMIN) | key)
        assert replay.json()["id"] == granted["id"]

        suspended = await _decide(
            svc,
            provider_id,
            programme_code="NLA-MARY-SEACOLE",
            status="suspended",
            valid_from="2026-03-01",
            valid_to="2026-05-31",
            reason_code="quality_review",
        )

        events = [
            row for row in await _outbox(svc) if row["type"].startswith("leadership.provider")
        ]
        # One event per decision: the replay did not publish again.
        assert [row["payload"]["status"] for row in events] == ["accredited", "suspended"]
        assert all(row["type"] == "leadership.provider.accreditation.changed.v1" for row in events)
        assert all(row["key"] == provider_id for row in events)
        assert all(row["topic"] == "leadership.standards" for row in events)
        assert events[1]["subject"] == f"providers/{provider_id}"
        # At least these facts (the catalogue lets producers add fields).
        assert (
            events[1]["payload"].items()
            >= {
                "provider_id": provider_id,
                "programme_code": "NLA-MARY-SEACOLE",
                "status": "suspended",
                "valid_from": "2026-03-01",
                "valid_to": "2026-05-31",
                "accreditation_id": suspended["id"],
            }.items()
        )

        provider = (
            await svc.client.get(f"/v1/providers/{provider_id}", headers=auth(ADMIN))
        ).json()
        assert [(a["programme_code"], a["status"]) for a in provider["accreditations"]] == [
            ("NLA-MARY-SEACOLE", "suspended")
        ]
        page = (await svc.client.get(f"{path}?limit=1", headers=auth(ADMIN))).json()
        assert [a["id"] for a in page["items"]] == [granted["id"]]
        rest = await svc.client.get(f"{path}?cursor={page['next_cursor']}", headers=auth(ADMIN))
        assert [a["id"] for a in rest.json()["items"]] == [suspended["id"]]
        one = await svc.client.get(f"{path}/{suspended['id']}", headers=auth(ADMIN))
        assert one.json()["reason_code"] == "quality_review"

        never_granted = {**grant, "programme_code": "NLA-NYE-BEVAN", "status": "suspended"}
        conflict = _problem(
            await svc.client.post(path, json=never_granted, headers=auth(ADMIN)), 409
        )
        assert conflict["current_status"] is None
        unknown = {**grant, "programme_code": "NO-SUCH-PROGRAMME"}
        error = _problem(await svc.client.post(path, json=unknown, headers=auth(ADMIN)), 422)
        assert error["errors"][0]["path"] == "body.programme_code"
        backwards = {**grant, "valid_to": "2024-12-31"}
        error = _problem(await svc.client.post(path, json=backwards, headers=auth(ADMIN)), 422)
        assert error["errors"][0]["path"] == "body.valid_to"
        for invalid in (
            {**grant, "status": "pending"},
            {**grant, "valid_from": "31/12/2025"},
            {**grant, "reason_code": "Not A Code"},
            {key: value for key, value in grant.items() if key != "valid_from"},
        ):
            _problem(await svc.client.post(path, json=invalid, headers=auth(ADMIN)), 422)
        missing = f"/v1/providers/{uuid.uuid4()}/accreditations"
        _problem(await svc.client.post(missing, json=grant, headers=auth(ADMIN)), 404)
        _problem(await svc.client.get(missing, headers=auth(ADMIN)), 404)
        _problem(await svc.client.post(path, json=grant, headers=auth(WRITE)), 403)
        # Refused decisions left no events behind.
        assert (
            len([r for r in await _outbox(svc) if r["type"].startswith("leadership.provider")]) == 2
        )


async def test_completions_award_credentials_only_under_accreditation(start_service) -> None:
    async with start_service("standards") as svc:
        provider_id = await _provider(svc)
        for code in ("NLA-MARY-SEACOLE", "NHS-EDI-MODULE"):
            await _decide(
                svc,
                provider_id,
                programme_code=code,
                status="accredited",
                valid_from="2025-01-01",
                valid_to="2027-12-31",
            )
        await _decide(
            svc,
            provider_id,
            programme_code="NLA-MARY-SEACOLE",
            status="suspended",
            valid_from="2026-03-01",
            valid_to="2026-05-31",
        )
        before = len(await _outbox(svc))
        person = _person()
        path = f"/v1/learners/{person}/completions"

        accredited = await svc.client.post(
            path,
            json={
                "programme_code": "NLA-MARY-SEACOLE",
                "provider_id": provider_id,
                "completed_at": "2026-02-27T16:30:00+00:00",
                "org_code": "rr8",
            },
            headers=auth(WRITE) | {"Idempotency-Key": f"{person}-seacole"},
        )
        assert accredited.status_code == 201, accredited.text
        record = accredited.json()
        assert record["accredited"] is True
        assert record["org_code"] == "RR8"
        assert accredited.headers["location"] == f"/v1/learners/{person}/records/{record['id']}"
        credential = record["credential"]
        assert credential["standards"] == ["MLF-2025-FIRST-LINE"]
        assert credential["levels"] == ["first_line"]
        assert credential["expires_at"] is None
        assert credential["status"] == "active"

        rows = (await _outbox(svc))[before:]
        assert [row["type"] for row in rows] == [
            "leadership.training.completed.v1",
            "leadership.training.accredited.v1",
        ]
        assert {row["key"] for row in rows} == {person}
        completed, awarded = (row["payload"] for row in rows)
        assert completed == {
            "record_id": record["id"],
            "person_id": person,
            "org_code": "RR8",
            "programme_code": "NLA-MARY-SEACOLE",
            "category": "leadership",
            "completed_at": "2026-02-27T16:30:00Z",
            "accredited": True,
            "provider_id": provider_id,
        }
        assert awarded["record_id"] == record["id"]
        assert awarded["credential_id"] == credential["credential_id"]
        assert awarded["standards"] == ["MLF-2025-FIRST-LINE"]
        assert awarded["levels"] == ["first_line"]
        assert awarded["expires_at"] is None
        assert {"person_id", "org_code", "programme_code", "awarded_at"} <= awarded.keys()
        # Headers carry no personal data: the subject names the resource, not the person.
        assert rows[0]["subject"] == f"learner-records/{record['id']}"
        assert rows[1]["subject"] == f"credentials/{credential['credential_id']}"

        # A retry with the same key replays the first answer and publishes nothing more.
        replay = await svc.client.post(
            path,
            json={
                "programme_code": "NLA-MARY-SEACOLE",
                "provider_id": provider_id,
                "completed_at": "2026-02-27T16:30:00+00:00",
                "org_code": "rr8",
            },
            headers=auth(WRITE) | {"Idempotency-Key": f"{person}-seacole"},
        )
        assert replay.status_code == 201
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json() == record
        # The same completion sent again without a key is recognised as a duplicate.
        duplicate = await svc.client.post(
            path,
            json={
                "programme_code": "NLA-MARY-SEACOLE",
                "provider_id": provider_id,
                "completed_at": "2026-02-27T17:30:00+01:00",
                "org_code": "RR8",
            },
            headers=auth(WRITE),
        )
        assert _problem(duplicate, 409)["record_id"] == record["id"]
        assert len(await _outbox(svc)) == before + 2

        # During the suspension: recorded, not accredited, no credential, one event.
        suspended = await svc.client.post(
            path,
            json={
                "programme_code": "NLA-MARY-SEACOLE",
                "provider_id": provider_id,
                "completed_at": "2026-04-10T09:00:00Z",
                "org_code": "RR8",
            },
            headers=auth(WRITE),
        )
        assert suspended.status_code == 201, suspended.text
        assert suspended.json()["accredited"] is False
        assert suspended.json()["credential"] is None
        rows = (await _outbox(svc))[before + 2 :]
        assert [row["type"] for row in rows] == ["leadership.training.completed.v1"]
        assert rows[0]["payload"]["accredited"] is False

        # No provider named: a completion, never accredited.
        unprovided = await svc.client.post(
            path,
            json={
                "programme_code": "NHS-INDUCTION",
                "completed_at": "2026-01-05T09:00:00Z",
                "org_code": "RR8",
            },
            headers=auth(WRITE),
        )
        assert unprovided.status_code == 201
        assert unprovided.json()["accredited"] is False

        # The EDI module has a refresher interval: the credential expires 36 months on.
        edi = await svc.client.post(
            path,
            json={
                "programme_code": "NHS-EDI-MODULE",
                "provider_id": provider_id,
                "completed_at": "2025-06-30T23:30:00Z",
                "org_code": "RR8",
            },
            headers=auth(WRITE),
        )
        assert edi.status_code == 201, edi.text
        assert edi.json()["credential"]["expires_at"] == "2028-06-30T23:30:00Z"
        edi_event, first_line = (await _outbox(svc))[-2:]
        assert edi_event["type"] == "leadership.training.accredited.v1"
        # With the first-line standards (Mary Seacole) the EDI module completes what the
        # first-line level asks (policy 2026.1): eligibility for it changed.
        assert first_line["type"] == "leadership.eligibility.changed.v1"
        assert first_line["payload"]["level"] == "first_line"
        assert first_line["payload"]["eligible"] is True
        assert edi_event["payload"]["expires_at"] == "2028-06-30T23:30:00Z"
        assert edi_event["payload"]["standards"] == ["CSTF-EDHR", "LCF-2024-D3"]
        assert edi_event["payload"]["levels"] == [
            "entry",
            "first_line",
            "middle",
            "senior",
            "executive",
            "board",
        ]

        records = (
            await svc.client.get(f"/v1/learners/{person}/records", headers=auth(READ_ALL))
        ).json()
        # Newest completion first.
        assert [r["completed_at"] for r in records["items"]] == [
            "2026-04-10T09:00:00Z",
            "2026-02-27T16:30:00Z",
            "2026-01-05T09:00:00Z",
            "2025-06-30T23:30:00Z",
        ]
        credentials = await svc.client.get(
            f"/v1/learners/{person}/credentials", headers=auth(READ_ALL)
        )
        assert {c["programme_code"] for c in credentials.json()["items"]} == {
            "NLA-MARY-SEACOLE",
            "NHS-EDI-MODULE",
        }


async def test_completion_inputs_are_checked(start_service) -> None:
    async with start_service("standards") as svc:
        provider_id = await _provider(svc)
        person = _person()
        path = f"/v1/learners/{person}/completions"
        good = {
            "programme_code": "NLA-MARY-SEACOLE",
            "provider_id": provider_id,
            "completed_at": "2026-02-27T16:30:00Z",
            "org_code": "RR8",
        }
        future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        cases = {
            "body.programme_code": {**good, "programme_code": "NO-SUCH-PROGRAMME"},
            "body.provider_id": {**good, "provider_id": str(uuid.uuid4())},
            "body.completed_at": {**good, "completed_at": future},
            "body.org_code": {key: value for key, value in good.items() if key != "org_code"},
        }
        for where, body in cases.items():
            error = _problem(await svc.client.post(path, json=body, headers=auth(WRITE)), 422)
            assert error["errors"][0]["path"] == where, error
        for body in (
            {**good, "completed_at": "2026-02-27T16:30:00"},  # no offset
            {**good, "completed_at": "1900-01-01T00:00:00Z"},
            {**good, "completed_at": "0001-01-01T00:00:00+14:00"},
            {**good, "completed_at": "9999-12-31T23:59:59-14:00"},
            {**good, "completed_at": "yesterday"},
            {**good, "provider_id": "not-a-uuid"},
            {**good, "org_code": "R"},
            {**good, "programme_code": "lower case and spaces"},
            {**good, "notes": "free text is not accepted"},
            [good],
        ):
            _problem(await svc.client.post(path, json=body, headers=auth(WRITE)), 422)
        _problem(
            await svc.client.post(
                "/v1/learners/bad%20id!/completions", json=good, headers=auth(WRITE)
            ),
            422,
        )
        _problem(
            await svc.client.post(path, json=good, headers=auth("standards:read national")), 403
        )
        _problem(
            await svc.client.post(path, json=good, headers=auth("standards:write", org="RXF")), 403
        )
        _problem(await svc.client.post(path, json=good), 401)
        _problem(
            await svc.client.post(
                path, json=good, headers=auth(WRITE) | {"Idempotency-Key": "\x01"}
            ),
            422,
        )
        # Nothing above was recorded, and nothing was published.
        assert await _outbox(svc) == []
        async with svc.db.session() as session:
            assert await session.scalar(select(func.count()).select_from(LearnerRecord)) == 0


async def test_the_organisation_comes_from_the_people_directory(start_service) -> None:
    async with start_service("standards") as svc:
        person = _person()
        async with svc.db.session() as session, session.begin():
            await people_service.apply_person_changed(
                session=session,
                event=PersonChanged(person_id=person, org_code="rxf", status="active"),
                event_id=str(uuid.uuid4()),
                event_time=datetime.now(UTC),
            )
        response = await svc.client.post(
            f"/v1/learners/{person}/completions",
            json={"programme_code": "NHS-INDUCTION", "completed_at": "2026-01-05T09:00:00Z"},
            headers=auth("standards:write", org="RXF"),
        )
        assert response.status_code == 201, response.text
        assert response.json()["org_code"] == "RXF"
        # The directory's organisation still has to be within the caller's reach.
        other = await svc.client.post(
            f"/v1/learners/{person}/completions",
            json={"programme_code": "NHS-MID-CAREER", "completed_at": "2026-01-05T09:00:00Z"},
            headers=auth("standards:write", org="RR8"),
        )
        _problem(other, 403)


async def test_records_and_credentials_are_shown_within_reach(start_service) -> None:
    async with start_service("standards") as svc:
        provider_id = await _provider(svc)
        await _decide(
            svc,
            provider_id,
            programme_code="NHS-EDI-MODULE",
            status="accredited",
            valid_from="2020-01-01",
        )
        person = _person()
        made = {}
        for org, when in (("RR8", "2026-01-01T10:00:00Z"), ("R0A", "2026-02-01T10:00:00Z")):
            response = await svc.client.post(
                f"/v1/learners/{person}/completions",
                json={
                    "programme_code": "NHS-EDI-MODULE",
                    "provider_id": provider_id,
                    "completed_at": when,
                    "org_code": org,
                },
                headers=auth(WRITE),
            )
            assert response.status_code == 201, response.text
            made[org] = response.json()

        async def visible(path: str, **claims) -> list[str]:
            response = await svc.client.get(path, headers=auth("standards:read", **claims))
            assert response.status_code == 200, response.text
            return [item["org_code"] for item in response.json()["items"]]

        for kind in ("records", "credentials"):
            path = f"/v1/learners/{person}/{kind}"
            assert await visible(path, org="RR8") == ["RR8"]
            assert await visible(path, region="Y62") == ["R0A"]
            assert await visible(path, org="RXF") == []
            assert await visible(path) == []  # no org, no region, not national
            assert await visible(path.replace(person, "someone-else"), org="RR8") == []
            everything = await svc.client.get(path, headers=auth(READ_ALL))
            assert [i["org_code"] for i in everything.json()["items"]] == ["R0A", "RR8"]

        page = (
            await svc.client.get(f"/v1/learners/{person}/records?limit=1", headers=auth(READ_ALL))
        ).json()
        assert [r["id"] for r in page["items"]] == [made["R0A"]["id"]]
        rest = await svc.client.get(
            f"/v1/learners/{person}/records",
            params={"cursor": page["next_cursor"]},
            headers=auth(READ_ALL),
        )
        assert [r["id"] for r in rest.json()["items"]] == [made["RR8"]["id"]]
        assert rest.json()["next_cursor"] is None

        one = f"/v1/learners/{person}/records/{made['RR8']['id']}"
        own = await svc.client.get(one, headers=auth("standards:read", org="RR8"))
        assert own.status_code == 200 and own.headers["etag"].startswith('"1-')
        _problem(await svc.client.get(one, headers=auth("standards:read", org="R0A")), 403)
        _problem(
            await svc.client.get(one.replace(person, "someone-else"), headers=auth(READ_ALL)), 404
        )
        _problem(
            await svc.client.get(f"/v1/learners/{person}/records", headers=auth("ned:read")), 403
        )
