"""Assignment and compliance: who must complete what by when, `compliance.changed` on the topic
when a person's compliance changes and not when a recompute finds nothing new, the worker's
sweep, and the organisation's figures through disclosure control."""

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import select

from devstack.testing import auth, eventually
from shared.events.cloudevents import encode_headers
from shared.tables import outbox
from standards.compliance import domain
from standards.compliance import service as compliance_service
from standards.outbox import outbox_publisher
from standards.people import service as people_service
from standards.people.events import PersonChanged

READ = "standards:read national"
WRITE = "standards:write standards:read national"
COMPLIANCE_CHANGED = "leadership.compliance.changed.v1"
CSTF_FOR_ALL = [
    "CSTF-CONFLICT-RESOLUTION",
    "CSTF-FIRE-SAFETY",
    "CSTF-HSW",
    "CSTF-IG-DATA-SECURITY",
    "CSTF-IPC",
    "CSTF-MOVING-HANDLING",
    "CSTF-PREVENT",
    "CSTF-SAFEGUARDING-ADULTS",
    "CSTF-SAFEGUARDING-CHILDREN",
    "NHS-EDI-MODULE",
]


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def _person() -> str:
    return "CP" + uuid.uuid4().hex[:10]


async def _send_person_changed(producer: AIOKafkaProducer, person_id: str, **data) -> None:
    await producer.send_and_wait(
        "leadership.talent",
        key=person_id.encode(),
        value=json.dumps({"person_id": person_id, **data}).encode(),
        headers=encode_headers(
            event_id=str(uuid.uuid4()),
            source="/leadership/talent",
            event_type="leadership.person.changed.v1",
            time=datetime.now(UTC),
            subject=f"people/{uuid.uuid4()}",
        ),
    )


async def _compliance_events_on_topic(
    bootstrap: str, person_id: str, until, within: float = 30.0
) -> list[dict]:
    """Every compliance.changed about ``person_id`` on the standards topic, read from the start
    until ``until(payload)`` holds for one of them (the events of one person share a partition,
    so everything published before that one has been read by then)."""
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
        while asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    headers = dict(record.headers)
                    if headers.get("ce_type") != COMPLIANCE_CHANGED.encode():
                        continue
                    payload = json.loads(record.value)
                    if payload["person_id"] == person_id:
                        assert record.key.decode() == person_id
                        assert person_id not in headers["ce_subject"].decode()
                        found.append(payload)
            if any(until(payload) for payload in found):
                return found
    finally:
        await consumer.stop()
    raise AssertionError(f"the awaited compliance.changed never came; saw {found}")


async def _outbox_compliance(svc, person_id: str) -> list[dict]:
    async with svc.db.session() as session:
        rows = await session.execute(
            select(outbox.c.payload)
            .where(outbox.c.type == COMPLIANCE_CHANGED, outbox.c.key == person_id)
            .order_by(outbox.c.seq)
        )
        return [row.payload for row in rows]


async def test_compliance_changed_reaches_the_topic_only_when_compliance_changes(
    start_service, embedded_broker
) -> None:
    person = _person()
    started = date.today() - timedelta(days=120)
    facts = {
        "org_code": "RR8",
        "staff_group": "Administrative and Clerical",
        "job_title": "Team Administrator",
        "is_line_manager": False,
        "start_date": started.isoformat(),
        "status": "active",
    }
    async with start_service("standards", run_workers=True) as svc:
        producer = AIOKafkaProducer(
            bootstrap_servers=embedded_broker.bootstrap_servers, enable_idempotence=False
        )
        await producer.start()
        try:
            await _send_person_changed(producer, person, **facts)

            async def determined() -> dict | None:
                response = await svc.client.get(
                    f"/v1/people/{person}/compliance", headers=auth(READ)
                )
                body = response.json()
                return body if response.status_code == 200 and body["determination_id"] else None

            first = await eventually(determined, timeout=20)
            # A new joiner of 120 days: every subject was due after 90 days, and the induction.
            assert first["statutory_mandatory_complete"] is False
            assert first["overdue_programme_codes"] == sorted([*CSTF_FOR_ALL, "NHS-INDUCTION"])
            assert {r["programme_code"] for r in first["requirements"]} == {
                *CSTF_FOR_ALL,
                "NHS-INDUCTION",
            }
            assert all(
                r["due_on"] == (started + timedelta(days=90)).isoformat()
                for r in first["requirements"]
            )

            async def complete(programme: str) -> None:
                response = await svc.client.post(
                    f"/v1/learners/{person}/completions",
                    json={
                        "programme_code": programme,
                        "completed_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
                    },
                    headers=auth(WRITE),
                )
                assert response.status_code == 201, response.text

            for programme in CSTF_FOR_ALL:
                await complete(programme)
            await complete("NHS-INDUCTION")
            done = (
                await svc.client.get(f"/v1/people/{person}/compliance", headers=auth(READ))
            ).json()
            assert done["statutory_mandatory_complete"] is True
            assert done["overdue_programme_codes"] == []
            assert {r["status"] for r in done["requirements"]} == {"complete"}
            published = len(await _outbox_compliance(svc, person))
            assert published == 1 + len(CSTF_FOR_ALL) + 1

            # Three recomputes that find nothing new: a completion nobody required, a
            # person.changed that moves nothing compliance depends on, and a sweep.
            await complete("NLA-MARY-SEACOLE")
            await _send_person_changed(producer, person, **{**facts, "job_title": "Secretary"})
            await eventually(lambda: people_service_job_title(svc, person, "Secretary"), timeout=20)
            swept = await compliance_service.sweep(svc.db, service_name="standards")
            assert swept.changed == 0
            assert len(await _outbox_compliance(svc, person)) == published

            # Leaving is a change: nothing applies any more.
            await _send_person_changed(
                producer, person, **{**facts, "status": "left", "left_on": date.today().isoformat()}
            )
            on_topic = await _compliance_events_on_topic(
                embedded_broker.bootstrap_servers,
                person,
                until=lambda payload: payload.get("applicable") is False,
            )
        finally:
            await producer.stop()

    assert len(on_topic) == published + 1
    assert on_topic[0]["statutory_mandatory_complete"] is False
    assert len(on_topic[0]["overdue_programme_codes"]) == 11
    assert [len(p["overdue_programme_codes"]) for p in on_topic[:published]] == list(
        range(11, -1, -1)
    )
    assert on_topic[published - 1]["statutory_mandatory_complete"] is True
    assert on_topic[-1]["applicable"] is False
    assert on_topic[-1]["org_code"] == "RR8"
    assert len({p["determination_id"] for p in on_topic}) == len(on_topic)


async def people_service_job_title(svc, person_id: str, title: str) -> bool:
    async with svc.db.session() as session:
        person = await people_service.get_person(session=session, person_id=person_id)
        return person is not None and person.job_title == title


async def _add_person(svc, person_id: str, org_code: str = "RR8", **facts) -> None:
    event = PersonChanged(
        person_id=person_id,
        org_code=org_code,
        staff_group=facts.get("staff_group", "Administrative and Clerical"),
        is_line_manager=facts.get("is_line_manager", False),
        start_date=facts.get("start_date", date(2019, 4, 1)),
        status=facts.get("status", "active"),
    )
    async with svc.db.session() as session, session.begin():
        await people_service.apply_person_changed(
            session=session,
            event=event,
            event_id=str(uuid.uuid4()),
            event_time=datetime.now(UTC),
        )


async def _recompute(svc, person_id: str, as_of: datetime) -> compliance_service.Recomputed:
    published = []

    async def publish(event):
        published.append(event)
        return uuid.uuid4()

    async with svc.db.session() as session, session.begin():
        outcome = await compliance_service.recompute_person_compliance(
            session, publish, person_id, as_of
        )
    assert outcome is not None
    assert len(published) == int(outcome.changed)
    return outcome


async def test_the_sweep_finds_deadlines_passing_and_records_expiring(start_service) -> None:
    async with start_service("standards") as svc:
        now = datetime.now(UTC)
        joiner, veteran = _person(), _person()
        await _add_person(svc, joiner, start_date=(now - timedelta(days=80)).date())
        await _add_person(svc, veteran, staff_group="Nursing and Midwifery Registered")
        # The nurse did everything, resuscitation 300 days ago (a 12-month refresher).
        for programme in [*CSTF_FOR_ALL, "CSTF-RESUSCITATION"]:
            completed_at = now - timedelta(days=300 if programme == "CSTF-RESUSCITATION" else 30)
            response = await svc.client.post(
                f"/v1/learners/{veteran}/completions",
                json={"programme_code": programme, "completed_at": completed_at.isoformat()},
                headers=auth(WRITE),
            )
            assert response.status_code == 201, response.text

        joined = (await _recompute(svc, joiner, now)).determination
        assert joined.summary.statutory_mandatory_complete is False
        assert joined.summary.overdue == ()
        assert {r.status for r in joined.requirements} == {domain.ItemStatus.NOT_YET_DUE}
        nurse = (
            await svc.client.get(f"/v1/people/{veteran}/compliance", headers=auth(READ))
        ).json()
        assert nurse["statutory_mandatory_complete"] is True
        assert nurse["expiring_programme_codes"] == ["CSTF-RESUSCITATION"]

        # Nothing moves today: a sweep changes nothing.
        assert (await compliance_service.sweep(svc.db, service_name="standards")).changed == 0
        before = len(await _outbox_compliance(svc, joiner))
        # Eleven days on, the joiner's subjects are overdue; 70 days on, the nurse's
        # resuscitation has expired.
        later = await compliance_service.sweep(
            svc.db, service_name="standards", as_of=now + timedelta(days=70)
        )
        assert later.changed == 2
        joiner_events = await _outbox_compliance(svc, joiner)
        assert len(joiner_events) == before + 1
        assert joiner_events[-1]["overdue_programme_codes"] == sorted(
            [*CSTF_FOR_ALL, "NHS-INDUCTION"]
        )
        nurse_events = await _outbox_compliance(svc, veteran)
        assert nurse_events[-1]["expired_programme_codes"] == ["CSTF-RESUSCITATION"]
        assert nurse_events[-1]["statutory_mandatory_complete"] is False
        again = await compliance_service.sweep(
            svc.db, service_name="standards", as_of=now + timedelta(days=70)
        )
        assert again.changed == 0


async def test_organisation_figures_go_through_disclosure_control(start_service) -> None:
    async with start_service("standards") as svc:
        now = datetime.now(UTC)
        people = [_person() for _ in range(12)]
        for person_id in people:
            await _add_person(svc, person_id)
        for person_id in people[:9]:
            response = await svc.client.post(
                f"/v1/learners/{person_id}/completions",
                json={
                    "programme_code": "CSTF-FIRE-SAFETY",
                    "completed_at": (now - timedelta(days=10)).isoformat(),
                },
                headers=auth(WRITE),
            )
            assert response.status_code == 201, response.text
        await _add_person(svc, _person(), org_code="RJ1")
        for person_id in people[9:]:
            await _recompute(svc, person_id, now)

        response = await svc.client.get("/v1/organisations/rr8/compliance", headers=auth(READ))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["org_code"] == "RR8"
        assert body["disclosure"] == {"suppress_below_or_equal": 7, "rounding_base": 5}
        figures = {p["programme_code"]: p for p in body["programmes"]}
        fire = figures["CSTF-FIRE-SAFETY"]
        # 9 complete and 3 overdue of 12: the 3 is suppressed, and the 9 with it, or 12 - 9
        # would give the 3 away.
        assert fire["assigned"] == 10
        assert fire["overdue"] == "*"
        assert fire["complete"] == "*"
        assert fire["expired"] == 0
        assert fire["completion_rate_percent"] == "*"
        safety = figures["CSTF-HSW"]
        assert (safety["assigned"], safety["overdue"], safety["complete"]) == (10, 10, 0)
        assert safety["completion_rate_percent"] == 0.0
        assert "CSTF-RESUSCITATION" not in figures  # no clinical staff here

        leeds_only = auth("standards:read", org="RR8")
        assert (
            await svc.client.get("/v1/organisations/RR8/compliance", headers=leeds_only)
        ).status_code == 200
        _problem(await svc.client.get("/v1/organisations/RJ1/compliance", headers=leeds_only), 403)
        _problem(
            await svc.client.get(
                f"/v1/people/{people[0]}/compliance", headers=auth("standards:read", org="RJ1")
            ),
            403,
        )
        _problem(await svc.client.get("/v1/people/NOBODY1/compliance", headers=auth(READ)), 404)


async def test_the_sweep_catches_up_with_bulk_imports(start_service) -> None:
    async with start_service("standards") as svc:
        now = datetime.now(UTC)
        person = _person()
        await _add_person(svc, person)
        first = await _recompute(svc, person, now)
        assert "CSTF-FIRE-SAFETY" in first.determination.summary.overdue
        rows = [
            {"person_id": person, "programme_code": code, "completed_at": now.isoformat()}
            for code in ("CSTF-FIRE-SAFETY", "CSTF-HSW")
        ]
        imported = await svc.client.post(
            "/v1/completions:import",
            content="".join(json.dumps(row) + "\n" for row in rows).encode(),
            headers={**auth(WRITE), "Content-Type": "application/x-ndjson"},
        )
        assert imported.status_code == 200, imported.text
        assert imported.json()["recorded"] == 2

        swept = await compliance_service.sweep(svc.db, service_name="standards")
        assert swept.changed == 1
        latest = (await _outbox_compliance(svc, person))[-1]
        assert "CSTF-FIRE-SAFETY" not in latest["overdue_programme_codes"]
        assert "CSTF-HSW" not in latest["overdue_programme_codes"]
        assert (await compliance_service.sweep(svc.db, service_name="standards")).changed == 0


async def test_assignment_rules_are_configuration_with_if_match(start_service) -> None:
    admin = "standards:admin standards:read"
    async with start_service("standards") as svc:
        listed = await svc.client.get("/v1/assignment-rules", headers=auth(READ))
        assert listed.status_code == 200, listed.text
        rules = {rule["code"]: rule for rule in listed.json()["items"]}
        assert rules["JOINER-INDUCTION"]["due_days"] == 90
        assert rules["JOINER-INDUCTION"]["audience"] == "new_joiners"
        assert rules["MANAGER-MID-CAREER"]["programme_code"] == "NHS-MID-CAREER"
        assert rules["LEADER-EDI"]["audience"] == "line_managers"
        assert rules["CSTF-RESUSCITATION"]["staff_groups"]
        assert len([code for code in rules if code.startswith("CSTF-")]) == 11

        now = datetime.now(UTC)
        person = _person()
        await _add_person(svc, person, start_date=(now - timedelta(days=120)).date())
        first = await _recompute(svc, person, now)
        assert "CSTF-FIRE-SAFETY" in first.determination.summary.overdue

        path = "/v1/assignment-rules/cstf-fire-safety"
        current = await svc.client.get(path, headers=auth(READ))
        etag = current.headers["etag"]
        change = {"due_days": 180}
        _problem(await svc.client.patch(path, json=change, headers=auth(admin)), 428)
        _problem(
            await svc.client.patch(path, json=change, headers={**auth(READ), "If-Match": etag}),
            403,
        )
        _problem(
            await svc.client.patch(
                path, json={"due_days": -1}, headers={**auth(admin), "If-Match": etag}
            ),
            422,
        )
        changed = await svc.client.patch(
            path, json=change, headers={**auth(admin), "If-Match": etag}
        )
        assert changed.status_code == 200, changed.text
        assert (changed.json()["due_days"], changed.json()["version"]) == (180, 2)
        _problem(
            await svc.client.patch(path, json=change, headers={**auth(admin), "If-Match": etag}),
            412,
        )
        _problem(
            await svc.client.patch(
                "/v1/assignment-rules/NOPE", json=change, headers={**auth(admin), "If-Match": etag}
            ),
            404,
        )

        # The next sweep works everyone out again under the new rule.
        swept = await compliance_service.sweep(svc.db, service_name="standards")
        assert swept.changed == 1
        latest = (await _outbox_compliance(svc, person))[-1]
        assert "CSTF-FIRE-SAFETY" not in latest["overdue_programme_codes"]
        assert "CSTF-HSW" in latest["overdue_programme_codes"]


async def test_concurrent_recomputes_publish_one_change(start_service) -> None:
    async with start_service("standards") as svc:
        person = _person()
        await _add_person(svc, person)

        async def recompute() -> bool:
            async with svc.db.session() as session, session.begin():
                outcome = await compliance_service.recompute_person_compliance(
                    session,
                    outbox_publisher(session, service_name="standards"),
                    person,
                    datetime.now(UTC),
                )
                assert outcome is not None
                await asyncio.sleep(0.05)  # hold the lock while the others wait for it
                return outcome.changed

        results = await asyncio.gather(*(recompute() for _ in range(6)))
        assert sorted(results) == [False] * 5 + [True]
        assert len(await _outbox_compliance(svc, person)) == 1


# ---- pure rules ----------------------------------------------------------------------------

RULES = [
    domain.Rule(
        "JOINER-INDUCTION",
        "NHS-INDUCTION",
        domain.Audience.NEW_JOINERS,
        90,
        joined_on_or_after=date(2026, 1, 1),
    ),
    domain.Rule(
        "MANAGER-MID-CAREER",
        "NHS-MID-CAREER",
        domain.Audience.LINE_MANAGERS,
        365,
        effective_from=date(2026, 4, 1),
    ),
    domain.Rule("LEADER-EDI", "NHS-EDI-MODULE", domain.Audience.LINE_MANAGERS, 30),
    domain.Rule("CSTF-EDHR", "NHS-EDI-MODULE", domain.Audience.ALL_STAFF, 90),
    domain.Rule(
        "CSTF-RESUSCITATION",
        "CSTF-RESUSCITATION",
        domain.Audience.ALL_STAFF,
        90,
        staff_groups=frozenset({"Medical and Dental"}),
    ),
]
PROGRAMMES = {
    "NHS-INDUCTION": domain.ProgrammeFacts("NHS-INDUCTION", "leadership", None),
    "NHS-MID-CAREER": domain.ProgrammeFacts("NHS-MID-CAREER", "leadership", None),
    "NHS-EDI-MODULE": domain.ProgrammeFacts("NHS-EDI-MODULE", "statutory_mandatory", 36),
    "CSTF-RESUSCITATION": domain.ProgrammeFacts("CSTF-RESUSCITATION", "statutory_mandatory", 12),
}
AS_OF = datetime(2026, 11, 22, 12, tzinfo=UTC)


def _determine(person: domain.PersonFacts, *completions: tuple[str, datetime]):
    return domain.determine(
        person=person,
        rules=RULES,
        programmes=PROGRAMMES,
        completions=[domain.Completion(code, at) for code, at in completions],
        as_of=AS_OF,
    )


def test_rules_apply_by_audience_and_merge_on_the_earlier_due_date() -> None:
    manager = domain.PersonFacts(date(2026, 10, 1), True, "Administrative and Clerical", True)
    result = _determine(manager)
    by_code = {r.programme_code: r for r in result.requirements}
    assert set(by_code) == {"NHS-INDUCTION", "NHS-MID-CAREER", "NHS-EDI-MODULE"}
    # Line managers' EDI (30 days) is due before everyone's (90 days): one requirement.
    assert by_code["NHS-EDI-MODULE"].due_on == date(2026, 10, 31)
    assert by_code["NHS-EDI-MODULE"].rule_codes == ("CSTF-EDHR", "LEADER-EDI")
    assert by_code["NHS-EDI-MODULE"].status is domain.ItemStatus.OVERDUE
    assert by_code["NHS-MID-CAREER"].due_on == date(2027, 10, 1)
    assert by_code["NHS-INDUCTION"].status is domain.ItemStatus.NOT_YET_DUE
    assert result.summary.overdue == ("NHS-EDI-MODULE",)
    assert result.summary.statutory_mandatory_complete is False
    assert result.next_review_on == date(2026, 12, 31)

    in_post = domain.PersonFacts(date(2015, 6, 1), True, "Medical and Dental", True)
    by_code = {r.programme_code: r for r in _determine(in_post).requirements}
    assert "NHS-INDUCTION" not in by_code  # joined before the induction existed
    # In post before the rule took effect: due a year after it did, not after joining.
    assert by_code["NHS-MID-CAREER"].due_on == date(2027, 4, 1)
    assert by_code["CSTF-RESUSCITATION"].status is domain.ItemStatus.OVERDUE


def test_refreshers_expire_and_warn_90_days_ahead() -> None:
    doctor = domain.PersonFacts(date(2015, 6, 1), False, "Medical and Dental", True)
    fresh = _determine(
        doctor,
        ("NHS-EDI-MODULE", datetime(2026, 1, 10, tzinfo=UTC)),
        ("CSTF-RESUSCITATION", datetime(2026, 1, 10, tzinfo=UTC)),
    )
    statuses = {r.programme_code: r.status for r in fresh.requirements}
    assert statuses["CSTF-RESUSCITATION"] is domain.ItemStatus.EXPIRING  # 10 Jan 2027
    assert statuses["NHS-EDI-MODULE"] is domain.ItemStatus.COMPLETE
    assert fresh.summary.statutory_mandatory_complete is True
    assert fresh.summary.expiring == ("CSTF-RESUSCITATION",)
    assert fresh.next_review_on == date(2027, 1, 10)

    lapsed = _determine(
        doctor,
        ("NHS-EDI-MODULE", datetime(2026, 1, 10, tzinfo=UTC)),
        ("CSTF-RESUSCITATION", datetime(2025, 9, 1, tzinfo=UTC)),
        # a completion after as_of does not count yet
        ("CSTF-RESUSCITATION", datetime(2026, 11, 23, tzinfo=UTC)),
    )
    assert lapsed.summary.expired == ("CSTF-RESUSCITATION",)
    assert lapsed.summary.statutory_mandatory_complete is False


def test_leavers_have_no_requirements() -> None:
    leaver = domain.PersonFacts(date(2015, 6, 1), True, None, False)
    result = _determine(leaver)
    assert result.summary.applicable is False
    assert result.requirements == ()


def test_months_are_added_on_the_calendar() -> None:
    assert domain.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert domain.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert domain.add_months(date(2026, 11, 22), 36) == date(2029, 11, 22)
    assert domain.add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)
