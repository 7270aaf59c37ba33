"""Pay progression (Agenda for Change annex 23) over HTTP, fed by the real broker.

People and reporting lines arrive as talent's person.changed, training compliance as standards'
compliance.changed, both put on their topics; appraisals are completed through the API; HR
flags are set through the API with If-Match.
"""

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from appraisal.compliance.models import ComplianceDetermination
from appraisal.pay import domain
from appraisal.pay.models import HrFlagChange
from devstack import flows
from devstack.testing import auth, eventually
from shared.events.cloudevents import encode_headers
from shared.http.etag import make_etag

LEEDS = "RR8"
GUYS = "RJ1"
PROBLEM = "application/problem+json"
WRITER = auth("appraisal:read appraisal:write", org=LEEDS)
READER = auth("appraisal:read", org=LEEDS)
HR = auth("appraisal:read appraisal:admin", org=LEEDS)
WAIT = 30.0


async def publish(
    producer: AIOKafkaProducer, topic: str, event_type: str, data: dict[str, Any], subject: str
) -> None:
    await producer.send_and_wait(
        topic,
        key=str(data["person_id"]).encode(),
        value=json.dumps(data).encode(),
        headers=encode_headers(
            event_id=str(uuid.uuid4()),
            source=f"/leadership/{topic.rsplit('.', 1)[-1]}",
            event_type=event_type,
            time=datetime.now(UTC),
            subject=subject,
        ),
    )


async def person_changed(producer: AIOKafkaProducer, person_id: str, **fields: Any) -> None:
    data = {
        "person_id": person_id,
        "org_code": LEEDS,
        "band": "7",
        "line_manager_id": None,
        "is_line_manager": False,
        "status": "active",
        **fields,
    }
    await publish(
        producer, "leadership.talent", "leadership.person.changed.v1", data, f"people/{person_id}"
    )


async def compliance_changed(
    producer: AIOKafkaProducer, person_id: str, *, complete: bool, as_of: datetime, **fields: Any
) -> str:
    determination_id = str(fields.pop("determination_id", uuid.uuid4()))
    data = {
        "determination_id": determination_id,
        "person_id": person_id,
        "org_code": LEEDS,
        "statutory_mandatory_complete": complete,
        "overdue_programme_codes": [],
        "expired_programme_codes": [],
        "expiring_programme_codes": [],
        "as_of": as_of.isoformat(),
        # A field standards may add later: the tolerant reader ignores it.
        "policy_version": "2026.1",
        **fields,
    }
    await publish(
        producer,
        "leadership.standards",
        "leadership.compliance.changed.v1",
        data,
        f"compliance/{determination_id}",
    )
    return determination_id


async def progression(
    client: httpx.AsyncClient, person_id: str, on: date | None = None
) -> dict[str, Any]:
    params = {"on": on.isoformat()} if on else {}
    response = await client.get(
        f"/v1/people/{person_id}/pay-progression", params=params, headers=READER
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def criteria(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {criterion["code"]: criterion for criterion in body["criteria"]}


async def test_pay_progression_explains_each_criterion_and_follows_training_and_flags(
    start_service: Any,
) -> None:
    manager, first_report, second_report = "610001", "610002", "610003"
    today = datetime.now(UTC).date()
    async with start_service("appraisal", run_workers=True) as svc:
        client = svc.client
        producer = AIOKafkaProducer(
            bootstrap_servers=svc.settings.kafka_bootstrap_servers, enable_idempotence=False
        )
        await producer.start()
        try:
            await person_changed(producer, manager, is_line_manager=True, band="8a")
            for report in (first_report, second_report):
                await person_changed(producer, report, line_manager_id=manager)

            async def directory_ready() -> bool:
                responses = [
                    await client.get(f"/v1/people/{p}/pay-progression", headers=READER)
                    for p in (manager, first_report, second_report)
                ]
                return all(r.status_code == 200 for r in responses)

            await eventually(directory_ready, timeout=WAIT)
            await eventually(lambda: _reports_known(client, manager, expected=2), timeout=WAIT)

            # Nothing yet: every criterion is explained, and three of them are unmet.
            before = await progression(client, manager)
            assert before["eligible"] is False
            assert before["on"] == today.isoformat()
            shown = criteria(before)
            assert set(shown) == {code.value for code in domain.CriterionCode}
            assert all(criterion["explanation"] for criterion in shown.values())
            assert shown["appraisal_completed"]["status"] == "not_met"
            assert shown["statutory_mandatory_training"]["status"] == "not_met"
            assert (
                "no statutory and mandatory training record"
                in (shown["statutory_mandatory_training"]["explanation"])
            )
            assert shown["no_capability_process"]["status"] == "met"
            assert shown["no_disciplinary_sanction"]["status"] == "met"
            assert shown["reports_appraised"]["status"] == "not_met"
            assert shown["reports_appraised"]["evidence"]["unappraised_report_ids"] == [
                first_report,
                second_report,
            ]
            # A report is not a line manager: the criterion does not apply to them.
            report_view = criteria(await progression(client, first_report))
            assert report_view["reports_appraised"]["status"] == "not_applicable"

            for person_id in (manager, first_report, second_report):
                await flows.complete_appraisal(client, person_id, WRITER, org_code=LEEDS)

            # Training incomplete, then complete: the answer follows the newest determination.
            now = datetime.now(UTC)
            incomplete = await compliance_changed(
                producer,
                manager,
                complete=False,
                as_of=now - timedelta(minutes=5),
                overdue_programme_codes=["FIRE-SAFETY"],
                expired_programme_codes=["IG-DATA-SECURITY"],
            )

            async def training_status() -> str:
                body = await progression(client, manager)
                return str(criteria(body)["statutory_mandatory_training"]["status"])

            await eventually(lambda: _determinations(svc, manager, expected=1), timeout=WAIT)
            blocked = await progression(client, manager)
            assert blocked["eligible"] is False
            training = criteria(blocked)["statutory_mandatory_training"]
            assert training["status"] == "not_met"
            assert "FIRE-SAFETY" in training["explanation"]
            assert "IG-DATA-SECURITY" in training["explanation"]
            assert criteria(blocked)["appraisal_completed"]["status"] == "met"
            assert criteria(blocked)["reports_appraised"]["status"] == "met"

            await compliance_changed(producer, manager, complete=True, as_of=now)
            # The same determination delivered again is kept once.
            await compliance_changed(
                producer,
                manager,
                complete=False,
                as_of=now - timedelta(minutes=5),
                determination_id=incomplete,
            )
            await eventually(lambda: _training_is(client, manager, "met"), timeout=WAIT)
            assert await _determinations(svc, manager, expected=2)
            eligible = await progression(client, manager)
            assert eligible["eligible"] is True, eligible
            # Asked for a date before the training was complete, the old answer stands.
            yesterday = criteria(await progression(client, manager, today - timedelta(days=1)))
            assert yesterday["statutory_mandatory_training"]["status"] == "not_met"
            # A year on, the appraisal no longer counts.
            later = criteria(await progression(client, manager, today + timedelta(days=366)))
            assert later["appraisal_completed"]["status"] == "not_met"
            assert "outside the 12 months" in later["appraisal_completed"]["explanation"]

            # HR sets a disciplinary sanction: not eligible, and the reason is given.
            created = await client.post(
                f"/v1/people/{manager}/hr-flags",
                json={"kind": "disciplinary", "starts_on": str(today - timedelta(days=10))},
                headers={**HR, "Idempotency-Key": str(uuid.uuid4())},
            )
            assert created.status_code == 201, created.text
            flag_id, etag = created.json()["id"], created.headers["ETag"]
            assert created.json()["org_code"] == LEEDS  # from the people directory
            sanctioned = await progression(client, manager)
            assert sanctioned["eligible"] is False
            sanction = criteria(sanctioned)["no_disciplinary_sanction"]
            assert sanction["status"] == "not_met"
            assert "no end date" in sanction["explanation"]

            # Changes need the current version.
            lapse = {"ends_on": str(today - timedelta(days=1))}
            missing = await client.patch(f"/v1/hr-flags/{flag_id}", json=lapse, headers=HR)
            assert missing.status_code == 428
            assert missing.headers["content-type"] == PROBLEM
            stale = await client.patch(
                f"/v1/hr-flags/{flag_id}",
                json=lapse,
                headers={**HR, "If-Match": make_etag(flag_id, 7)},
            )
            assert stale.status_code == 412, stale.text
            lapsed = await client.patch(
                f"/v1/hr-flags/{flag_id}", json=lapse, headers={**HR, "If-Match": etag}
            )
            assert lapsed.status_code == 200, lapsed.text
            again = await client.patch(
                f"/v1/hr-flags/{flag_id}", json=lapse, headers={**HR, "If-Match": etag}
            )
            assert again.status_code == 412
            assert (await progression(client, manager))["eligible"] is True
            # On a day the sanction was live, it still counts.
            during = criteria(await progression(client, manager, today - timedelta(days=5)))
            assert during["no_disciplinary_sanction"]["status"] == "not_met"

            # A capability process open on a report does not touch the manager's own criteria.
            capability = await client.post(
                f"/v1/people/{first_report}/hr-flags",
                json={"kind": "capability", "starts_on": str(today)},
                headers=HR,
            )
            assert capability.status_code == 201
            assert (await progression(client, manager))["eligible"] is True
            report_now = criteria(await progression(client, first_report))
            assert report_now["no_capability_process"]["status"] == "not_met"

            # Every creation and change of a flag is audited, with who made it.
            async with svc.db.session() as session:
                trail = (
                    await session.scalars(
                        select(HrFlagChange)
                        .where(HrFlagChange.flag_id == uuid.UUID(flag_id))
                        .order_by(HrFlagChange.changed_at)
                    )
                ).all()
            assert [(c.action, c.version) for c in trail] == [("created", 1), ("updated", 2)]
            assert trail[1].ends_on == today - timedelta(days=1)
            assert all(change.actor == "tester" for change in trail)

            listed = await client.get(f"/v1/people/{manager}/hr-flags", headers=HR)
            assert [item["id"] for item in listed.json()["items"]] == [flag_id]
        finally:
            await producer.stop()


async def _reports_known(client: httpx.AsyncClient, manager: str, *, expected: int) -> bool:
    body = await progression(client, manager)
    return bool(criteria(body)["reports_appraised"]["evidence"]["reports"] == expected)


async def _training_is(client: httpx.AsyncClient, person_id: str, status: str) -> bool:
    body = await progression(client, person_id)
    return bool(criteria(body)["statutory_mandatory_training"]["status"] == status)


async def _determinations(svc: Any, person_id: str, *, expected: int) -> bool:
    async with svc.db.session() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(ComplianceDetermination)
            .where(ComplianceDetermination.person_id == person_id)
        )
    return count == expected


async def test_flags_and_pay_progression_refuse_what_they_should(start_service: Any) -> None:
    async with start_service("appraisal", run_workers=True) as svc:
        client = svc.client
        producer = AIOKafkaProducer(
            bootstrap_servers=svc.settings.kafka_bootstrap_servers, enable_idempotence=False
        )
        await producer.start()
        try:
            await person_changed(producer, "620001")
        finally:
            await producer.stop()
        await eventually(
            lambda: _status(client, "/v1/people/620001/pay-progression", READER, 200),
            timeout=WAIT,
        )
        url = "/v1/people/620001/hr-flags"
        good = {"kind": "capability", "starts_on": "2026-09-01"}

        unknown = await client.get("/v1/people/629999/pay-progression", headers=READER)
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == PROBLEM
        bad_date = await client.get(
            "/v1/people/620001/pay-progression", params={"on": "2026-02-30"}, headers=READER
        )
        assert bad_date.status_code == 422

        foreign = auth("appraisal:read appraisal:admin", org=GUYS)
        for response in (
            await client.get("/v1/people/620001/pay-progression", headers=foreign),
            await client.post(url, json=good, headers=foreign),
        ):
            assert response.status_code == 403
            assert LEEDS not in response.text
        # An organisation's list holds nothing from another organisation's token.
        assert (await client.get(url, headers=foreign)).json()["items"] == []

        # Flags are for HR: appraisal:read and appraisal:write are not enough.
        assert (await client.get(url, headers=WRITER)).status_code == 403
        assert (await client.post(url, json=good, headers=WRITER)).status_code == 403

        for body, path in (
            ({**good, "kind": "warning"}, "body.kind"),
            ({**good, "ends_on": "2026-08-01"}, "body"),
            ({**good, "note": "free text"}, "body.note"),
        ):
            refused = await client.post(url, json=body, headers=HR)
            assert refused.status_code == 422, body
            assert refused.headers["content-type"] == PROBLEM
            assert any(error["path"] == path for error in refused.json()["errors"]), refused.json()
        unknown_org = await client.post(
            "/v1/people/629999/hr-flags",
            json={**good, "org_code": "ZZZ99"},
            headers=auth("appraisal:admin national"),
        )
        assert unknown_org.status_code == 422
        assert unknown_org.json()["errors"][0]["path"] == "body.org_code"
        # Without the directory or an org_code, the employer cannot be inferred.
        no_org = await client.post("/v1/people/629999/hr-flags", json=good, headers=HR)
        assert no_org.status_code == 422

        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = await client.post(url, json=good, headers={**HR, **key})
        replay = await client.post(url, json=good, headers={**HR, **key})
        assert first.status_code == replay.status_code == 201
        assert first.json()["id"] == replay.json()["id"]
        flag_id, etag = first.json()["id"], first.headers["ETag"]
        backwards = await client.patch(
            f"/v1/hr-flags/{flag_id}",
            json={"ends_on": "2026-08-31"},
            headers={**HR, "If-Match": etag},
        )
        assert backwards.status_code == 422
        empty = await client.patch(
            f"/v1/hr-flags/{flag_id}", json={}, headers={**HR, "If-Match": etag}
        )
        assert empty.status_code == 422
        assert (await client.get(f"/v1/hr-flags/{flag_id}", headers=foreign)).status_code == 403
        shown = await client.get(f"/v1/hr-flags/{flag_id}", headers=HR)
        assert shown.status_code == 200 and shown.headers["ETag"] == etag

        # A sanction recorded by another employer does not follow the person to this one.
        elsewhere = await client.post(
            url,
            json={"kind": "disciplinary", "starts_on": "2026-09-01", "org_code": GUYS},
            headers=auth("appraisal:read appraisal:admin", org=GUYS),
        )
        assert elsewhere.status_code == 201
        body = await progression(client, "620001", date(2026, 10, 1))
        assert criteria(body)["no_capability_process"]["status"] == "not_met"
        assert criteria(body)["no_disciplinary_sanction"]["status"] == "met"


async def _status(client: httpx.AsyncClient, url: str, headers: dict[str, str], code: int) -> bool:
    return (await client.get(url, headers=headers)).status_code == code


def test_the_appraisal_window_is_the_twelve_months_to_the_date() -> None:
    on = date(2027, 3, 31)
    assert domain.appraisal_window(on) == (date(2026, 4, 1), on)
    assert domain.completed_within_window(date(2026, 4, 1), on)
    assert not domain.completed_within_window(date(2026, 3, 31), on)
    assert not domain.completed_within_window(date(2027, 4, 1), on)
    assert domain.appraisal_lapses_on(date(2026, 4, 1)) == date(2027, 4, 1)
    # 29 February: the window of 28 February 2025 starts on 29 February 2024.
    assert domain.completed_within_window(date(2024, 2, 29), date(2025, 2, 28))
    assert not domain.completed_within_window(date(2024, 2, 29), date(2025, 3, 1))
    assert domain.appraisal_lapses_on(date(2024, 2, 29)) == date(2025, 3, 1)


def test_a_flag_applies_from_its_start_to_its_last_day() -> None:
    assert domain.flag_is_live(date(2026, 1, 1), None, date(2026, 1, 1))
    assert domain.flag_is_live(date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 31))
    assert not domain.flag_is_live(date(2026, 1, 1), date(2026, 1, 31), date(2026, 2, 1))
    assert not domain.flag_is_live(date(2026, 1, 2), None, date(2026, 1, 1))


def test_eligible_only_when_no_criterion_is_unmet() -> None:
    on = date(2026, 11, 22)
    complete = domain.TrainingFacts(complete=True, as_of=on)
    eligible = domain.assess(
        on=on,
        last_completed_on=date(2026, 6, 1),
        training=complete,
        flags=[domain.FlagFacts(domain.FlagKind.CAPABILITY, date(2025, 1, 1), date(2025, 6, 1))],
        is_line_manager=False,
        reports=[],
    )
    assert eligible.eligible is True
    statuses = {c.code: c.status for c in eligible.criteria}
    assert statuses[domain.CriterionCode.REPORTS_APPRAISED] == domain.CriterionStatus.NOT_APPLICABLE

    manager = domain.assess(
        on=on,
        last_completed_on=date(2026, 6, 1),
        training=complete,
        flags=[],
        is_line_manager=True,
        reports=[
            domain.ReportFacts("A1", date(2026, 5, 1)),
            domain.ReportFacts("B2", date(2025, 5, 1)),
            domain.ReportFacts("C3", None),
        ],
    )
    assert manager.eligible is False
    (reports,) = [c for c in manager.criteria if c.code == domain.CriterionCode.REPORTS_APPRAISED]
    assert reports.evidence["unappraised_report_ids"] == ["B2", "C3"]
    assert reports.explanation.startswith("2 of 3 reports")
