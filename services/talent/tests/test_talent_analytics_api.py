"""Oversight analytics, EDI goals and published indicators over HTTP, with the projections fed
through the broker; every figure checked against the disclosure rules."""

import csv
import io
import uuid
from datetime import UTC, date, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from devstack import flows
from devstack.testing import auth, eventually
from shared.events.cloudevents import encode_headers, encode_value
from shared.tables import outbox
from talent.analytics.models import BoardComposition, TrainingCompletionFact
from talent.edi.models import EdiAccessAudit
from talent.indicators import service as indicator_service

ADMIN = auth("talent:read talent:write talent:admin national")
ANALYST = auth("talent:read talent:write talent:analytics national")
ADMIN_ANALYST = auth("talent:admin talent:analytics national")
TRUST = "RJ1"  # London (Y56)
SMALL_TRUST = "RJZ"  # also London
COUNT_FIELDS = {
    "count",
    "total",
    "numerator",
    "denominator",
    "outcome_count",
    "population",
    "pool_members",
}


def staff(
    prefix: str, org_code: str, how_many: int, ethnic: str, disability: str, sex: str
) -> list[dict[str, Any]]:
    return [
        flows.staff_row(
            f"{prefix}{i:04d}",
            org_code,
            ethnic_category=ethnic,
            disability=disability,
            sex=sex,
            is_line_manager=False,
        )
        for i in range(how_many)
    ]


async def seed_workforce(svc: Any, tag: str) -> dict[str, list[str]]:
    """A trust of 60 white, 30 BME and 10 not-stated staff, and a trust of 3 people."""
    groups = {
        "white": staff(f"{tag}W", TRUST, 60, "A", "no", "female"),
        "bme": staff(f"{tag}B", TRUST, 30, "N", "no", "male"),
        "unknown": staff(f"{tag}U", TRUST, 10, "Z", "yes", "female"),
        "small": staff(f"{tag}S", SMALL_TRUST, 3, "H", "yes", "male"),
    }
    await flows.import_people(svc.client, [r for rows in groups.values() for r in rows], ADMIN)
    return {name: [r["person_id"] for r in rows] for name, rows in groups.items()}


class Producer:
    def __init__(self, bootstrap: str) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, enable_idempotence=False, acks="all"
        )

    async def __aenter__(self) -> "Producer":
        await self._producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._producer.stop()

    async def send(
        self, service: str, event: str, data: dict[str, Any], key: str, subject: str
    ) -> None:
        headers = encode_headers(
            event_id=str(uuid.uuid4()),
            source=f"/leadership/{service}",
            event_type=f"leadership.{event}.v1",
            time=datetime.now(UTC),
            subject=subject,
        )
        await self._producer.send_and_wait(
            f"leadership.{service}", value=encode_value(data), key=key.encode(), headers=headers
        )


def completion(person_id: str, category: str) -> dict[str, Any]:
    return {
        "record_id": str(uuid.uuid4()),
        "person_id": person_id,
        "org_code": TRUST,
        "programme_code": "NLA-MARY-SEACOLE",
        "category": category,
        "completed_at": "2026-06-01T10:00:00Z",
        "accredited": True,
    }


def every_count(value: Any, key: str | None = None) -> list[tuple[str, Any]]:
    """Every (field, value) of a count-like field anywhere in a JSON document."""
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            found.extend(every_count(v, k))
    elif isinstance(value, list):
        for item in value:
            found.extend(every_count(item, key))
    elif key in COUNT_FIELDS:
        found.append((key, value))
    return found


async def test_fairness_from_events_and_board_composition(
    start_service: Any, embedded_broker: Any
) -> None:
    tag = f"F{uuid.uuid4().hex[:4]}"
    async with start_service("talent", run_workers=True) as svc:
        people = await seed_workforce(svc, tag)
        async with Producer(embedded_broker.bootstrap_servers) as producer:
            # Non-mandatory training: 30 of 60 white and 10 of 30 BME staff; statutory training
            # does not count (WRES indicator 4 is about non-mandatory training and CPD).
            for person_id in people["white"][:30] + people["bme"][:10]:
                data = completion(person_id, "leadership")
                await producer.send(
                    "standards",
                    "training.completed",
                    data,
                    person_id,
                    f"learner-records/{data['record_id']}",
                )
            for person_id in people["bme"][10:]:
                data = completion(person_id, "statutory_mandatory")
                await producer.send(
                    "standards",
                    "training.completed",
                    data,
                    person_id,
                    f"learner-records/{data['record_id']}",
                )
            publication_id = str(uuid.uuid4())
            board = {
                "publication_id": publication_id,
                "org_code": TRUST,
                "as_of": "2026-09-30",
                "groups": [
                    {
                        "dimension": "ethnicity",
                        "group": "white",
                        "voting_members": 10,
                        "executive_members": 5,
                        "suppressed": False,
                    },
                    {
                        "dimension": "ethnicity",
                        "group": "bme",
                        "voting_members": None,
                        "executive_members": None,
                        "suppressed": True,
                    },
                    {
                        "dimension": "disability",
                        "group": "non_disabled",
                        "voting_members": 10,
                        "executive_members": 5,
                        "suppressed": False,
                    },
                ],
                "voting_total": 15,
                "executive_total": 10,
                "published_at": "2026-10-01T09:00:00Z",
            }
            await producer.send(
                "ned",
                "board.composition.published",
                board,
                TRUST,
                f"board-compositions/{publication_id}",
            )

        # The topics are shared with the other tests of the run: count only this test's facts.
        ours = [p for group in people.values() for p in group]

        async def projected() -> bool:
            async with svc.db.session() as session:
                trained = await session.scalar(
                    select(func.count())
                    .select_from(TrainingCompletionFact)
                    .where(TrainingCompletionFact.person_id.in_(ours))
                )
                boards = await session.scalar(
                    select(func.count())
                    .select_from(BoardComposition)
                    .where(BoardComposition.publication_id == publication_id)
                )
            return trained == 60 and boards == 1

        await eventually(projected, timeout=40)

        report = await svc.client.get(
            f"/v1/analytics/oversight/organisation/{TRUST}", headers=ANALYST
        )
        assert report.status_code == 200, report.text
        body = report.json()
        training = {
            (f["dimension"]): f
            for f in body["fairness"]
            if f["outcome"] == "non_mandatory_training"
        }
        # (30/60) / (10/30) = 1.50: white staff 1.5 times as likely to access the training.
        assert training["ethnicity"]["relative_likelihood"] == 1.5
        assert training["ethnicity"]["suppressed"] is False
        groups = {g["group"]: g for g in training["ethnicity"]["groups"]}
        assert (groups["white"]["outcome_count"], groups["white"]["population"]) == (30, 60)
        assert (groups["bme"]["outcome_count"], groups["bme"]["population"]) == (10, 30)
        assert body["workforce"]["ethnicity"]["total"] == 100
        rows = {(r["dimension"], r["group"]): r for r in body["board_composition"]}
        assert rows[("ethnicity", "white")]["board_voting_share_pct"] == 66.7
        assert rows[("ethnicity", "white")]["workforce_share_pct"] == 60.0
        assert rows[("ethnicity", "white")]["difference_pp"] == 6.7
        assert rows[("ethnicity", "bme")]["board_voting_share_pct"] == "*"

        as_csv = await svc.client.get(
            f"/v1/analytics/oversight/organisation/{TRUST}",
            headers={**ANALYST, "Accept": "text/csv"},
        )
        assert as_csv.status_code == 200
        assert as_csv.headers["content-type"].startswith("text/csv")
        table = list(csv.reader(io.StringIO(as_csv.text)))
        assert table[0] == ["section", "dimension", "group", "measure", "value"]
        assert [
            "fairness:non_mandatory_training",
            "ethnicity",
            "white/bme",
            "relative_likelihood",
            "1.5",
        ] in table


async def test_no_count_from_one_to_seven_leaves_the_service(start_service: Any) -> None:
    async with start_service("talent") as svc:
        await seed_workforce(svc, f"D{uuid.uuid4().hex[:4]}")
        for scope, code in (
            ("organisation", SMALL_TRUST),
            ("organisation", TRUST),
            ("region", "Y56"),
        ):
            report = await svc.client.get(
                f"/v1/analytics/oversight/{scope}/{code}", headers=ANALYST
            )
            assert report.status_code == 200, report.text
            counts = every_count(report.json())
            assert counts, "the report has counts"
            small = [(k, v) for k, v in counts if isinstance(v, int) and 1 <= v <= 7]
            assert small == [], small
            assert all(v == "*" or (isinstance(v, int) and v % 5 == 0) for _, v in counts)
            as_csv = await svc.client.get(
                f"/v1/analytics/oversight/{scope}/{code}", headers={**ANALYST, "Accept": "text/csv"}
            )
            for row in csv.reader(io.StringIO(as_csv.text)):
                if row[3] in COUNT_FIELDS and row[4] not in ("*", ""):
                    assert not 1 <= int(row[4]) <= 7, row
        small = (
            await svc.client.get(
                f"/v1/analytics/oversight/organisation/{SMALL_TRUST}", headers=ANALYST
            )
        ).json()
        assert small["workforce"]["ethnicity"]["total"] == "*"
        # The region's total (103 people, rounded to 105) minus the large trust's (100) is 5:
        # not the small trust's 3, and consistent with anything from 1 to 9.
        region = (
            await svc.client.get("/v1/analytics/oversight/region/Y56", headers=ANALYST)
        ).json()
        large = (
            await svc.client.get(f"/v1/analytics/oversight/organisation/{TRUST}", headers=ANALYST)
        ).json()
        assert (
            region["workforce"]["ethnicity"]["total"] - large["workforce"]["ethnicity"]["total"]
            == 5
        )


async def test_record_level_characteristics_need_edi_read_and_are_audited(
    start_service: Any,
) -> None:
    async with start_service("talent") as svc:
        people = await seed_workforce(svc, f"E{uuid.uuid4().hex[:4]}")
        person_id = people["bme"][0]
        without = auth("talent:read talent:write talent:admin talent:analytics national")
        refused = await svc.client.get(
            f"/v1/people/{person_id}/protected-characteristics", headers=without
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert "N" not in refused.text.replace("NHS", "")
        person = await svc.client.get(f"/v1/people/{person_id}", headers=without)
        assert not {"ethnic_category", "disability", "sex"} & set(person.json())
        profile = await svc.client.get(f"/v1/people/{person_id}/profile", headers=without)
        assert not {"ethnic_category", "disability", "sex"} & set(profile.json())
        no_analytics = await svc.client.get(
            f"/v1/analytics/oversight/organisation/{TRUST}", headers=auth("talent:read national")
        )
        assert no_analytics.status_code == 403

        reader = auth("talent:read edi:read", org=TRUST, subject="edi-analyst")
        granted = await svc.client.get(
            f"/v1/people/{person_id}/protected-characteristics", headers=reader
        )
        assert granted.status_code == 200
        assert (granted.json()["ethnic_category"], granted.json()["wres_group"]) == ("N", "bme")
        other_org = auth("talent:read edi:read", org=SMALL_TRUST)
        assert (
            await svc.client.get(
                f"/v1/people/{person_id}/protected-characteristics", headers=other_org
            )
        ).status_code == 403
        async with svc.db.session() as session:
            audit = (await session.scalars(select(EdiAccessAudit))).all()
        assert [(a.subject, a.person_id, a.org_code) for a in audit] == [
            ("edi-analyst", person_id, TRUST)
        ]
        listed = await svc.client.get(
            "/v1/edi-access-audit", headers=auth("talent:admin edi:read national")
        )
        assert [a["person_id"] for a in listed.json()["items"]] == [person_id]


async def test_missed_edi_goal_is_flagged_to_the_region_and_indicators_publish(
    start_service: Any,
) -> None:
    async with start_service("talent") as svc:
        await seed_workforce(svc, f"G{uuid.uuid4().hex[:4]}")
        goal_body = {
            "org_code": TRUST,
            "indicator_code": "workforce_bme_pct",
            "direction": "at_least",
            "target": 45.0,
            "deadline": "2026-03-31",
        }
        created = await svc.client.post(
            "/v1/edi-goals", json=goal_body, headers={**ADMIN, "Idempotency-Key": "goal-1"}
        )
        assert created.status_code == 201, created.text
        goal = created.json()
        assert (goal["current_value"], goal["status"]) == (30.0, "missed")
        met = await svc.client.post(
            "/v1/edi-goals",
            json={**goal_body, "target": 25.0, "deadline": "2027-03-31"},
            headers=ADMIN,
        )
        assert met.json()["status"] == "met"
        unknown = await svc.client.post(
            "/v1/edi-goals", json={**goal_body, "indicator_code": "made_up"}, headers=ADMIN
        )
        assert unknown.status_code == 422

        regional = auth("talent:read talent:analytics", region="Y56")
        missed = await svc.client.get("/v1/edi-goals?status=missed", headers=regional)
        assert [g["id"] for g in missed.json()["items"]] == [goal["id"]]
        report = await svc.client.get("/v1/analytics/oversight/region/Y56", headers=regional)
        assert [g["goal_id"] for g in report.json()["missed_edi_goals"]] == [goal["id"]]
        elsewhere = auth("talent:read talent:analytics", region="Y63")
        assert (await svc.client.get("/v1/edi-goals?status=missed", headers=elsewhere)).json()[
            "items"
        ] == []
        assert (
            await svc.client.get("/v1/analytics/oversight/region/Y56", headers=elsewhere)
        ).status_code == 403

        stale = await svc.client.patch(
            f"/v1/edi-goals/{goal['id']}",
            json={"withdrawn": True},
            headers={**ADMIN, "If-Match": '"9-0000000000000000"'},
        )
        assert stale.status_code == 412
        current = await svc.client.get(f"/v1/edi-goals/{goal['id']}", headers=ADMIN)
        withdrawn = await svc.client.patch(
            f"/v1/edi-goals/{goal['id']}",
            json={"withdrawn": True},
            headers={**ADMIN, "If-Match": current.headers["ETag"]},
        )
        assert withdrawn.json()["status"] == "withdrawn"

        published = await svc.client.post(
            "/v1/indicator-publications",
            json={"org_code": TRUST},
            headers={**ANALYST, "Idempotency-Key": "pub-1"},
        )
        assert published.status_code == 201, published.text
        again = await svc.client.post(
            "/v1/indicator-publications",
            json={"org_code": TRUST},
            headers={**ANALYST, "Idempotency-Key": "pub-1"},
        )
        assert again.json()["id"] == published.json()["id"]
        indicators = {i["code"]: i for i in published.json()["indicators"]}
        assert indicators["workforce_bme_pct"] == {
            "code": "workforce_bme_pct",
            "value": 30.0,
            "numerator": 30,
            "denominator": 100,
            "suppressed": False,
        }
        assert indicators["appraisal_completion_pct"]["value"] == 0.0
        small = await svc.client.post(
            "/v1/indicator-publications", json={"org_code": SMALL_TRUST}, headers=ANALYST
        )
        small_indicators = {i["code"]: i for i in small.json()["indicators"]}
        assert small_indicators["workforce_bme_pct"] == {
            "code": "workforce_bme_pct",
            "value": None,
            "numerator": None,
            "denominator": None,
            "suppressed": True,
        }

        first = await indicator_service.sweep(
            db=svc.db, service_name="talent", today=date(2026, 10, 1)
        )
        second = await indicator_service.sweep(
            db=svc.db, service_name="talent", today=date(2026, 10, 2)
        )
        assert first == sorted([TRUST, SMALL_TRUST]) and second == []
        async with svc.db.session() as session:
            events = (
                await session.execute(
                    select(outbox.c.key, outbox.c.payload).where(
                        outbox.c.type == "leadership.indicators.published.v1"
                    )
                )
            ).all()
        quarterly = [(key, p["period"]) for key, p in events if p["trigger"] == "quarterly"]
        assert sorted(quarterly) == sorted([(SMALL_TRUST, "2026-Q3"), (TRUST, "2026-Q3")])
        assert len(events) == 4
        for _, payload in events:
            for indicator in payload["indicators"]:
                for field in ("numerator", "denominator"):
                    assert indicator[field] is None or not 1 <= indicator[field] <= 7


async def test_the_refreshed_summary_gives_the_live_figures(start_service: Any) -> None:
    async with start_service("talent") as svc:
        await seed_workforce(svc, f"S{uuid.uuid4().hex[:4]}")
        urls = [
            f"/v1/analytics/oversight/organisation/{TRUST}",
            "/v1/analytics/oversight/region/Y56",
        ]
        live = [(await svc.client.get(url, headers=ANALYST)).json() for url in urls]
        regional = auth("talent:admin talent:analytics", region="Y56")
        assert (await svc.client.post("/v1/analytics:refresh", headers=regional)).status_code == 403
        refreshed = await svc.client.post("/v1/analytics:refresh", headers=ADMIN_ANALYST)
        assert refreshed.status_code == 200, refreshed.text
        assert refreshed.json()["cells"] > 0
        summarised = [(await svc.client.get(url, headers=ANALYST)).json() for url in urls]
        for before, after in zip(live, summarised, strict=True):
            assert after["figures_as_of"] == refreshed.json()["figures_as_of"]
            before.pop("figures_as_of")
            after.pop("figures_as_of")
            assert after == before
        # Until the next refresh the report shows the summary's figures, with their time.
        await flows.import_people(svc.client, staff("LATE", TRUST, 20, "A", "no", "male"), ADMIN)
        stale = (await svc.client.get(urls[0], headers=ANALYST)).json()
        assert stale["workforce"]["ethnicity"]["total"] == 100
        await svc.client.post("/v1/analytics:refresh", headers=ADMIN_ANALYST)
        fresh = (await svc.client.get(urls[0], headers=ANALYST)).json()
        assert fresh["workforce"]["ethnicity"]["total"] == 120
