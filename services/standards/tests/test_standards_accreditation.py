"""The accreditation lifecycle over HTTP: applied → under_review → accredited |
accredited_with_conditions → suspended → withdrawn | expired, every decision kept with who and
why, what is live on a given day, and the expiry step of the worker."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from devstack.testing import auth, eventually
from shared.tables import outbox
from standards.compliance import service as compliance_service
from standards.providers import domain
from standards.providers.domain import AccreditationStatus as S
from standards.providers.domain import Decision

READ = "standards:read"
ADMIN = "standards:admin standards:read"
WRITE = "standards:write standards:read national"
PROGRAMME = "NLA-ROSALIND-FRANKLIN"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


async def _changes(svc) -> list[dict]:
    async with svc.db.session() as session:
        rows = await session.execute(
            select(outbox.c.payload)
            .where(outbox.c.type == "leadership.provider.accreditation.changed.v1")
            .order_by(outbox.c.seq)
        )
        return [row.payload for row in rows]


async def _provider(svc) -> str:
    created = await svc.client.post(
        "/v1/providers", json={"name": "Humber Leadership Institute"}, headers=auth(ADMIN)
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def test_an_accreditation_through_its_lifecycle(start_service) -> None:
    today = date.today()
    day = lambda n: (today + timedelta(days=n)).isoformat()  # noqa: E731
    async with start_service("standards") as svc:
        provider_id = await _provider(svc)
        path = f"/v1/providers/{provider_id}/accreditations"

        async def decide(status: str, valid_from: str, **extra) -> dict:
            body = {"programme_code": PROGRAMME, "status": status, "valid_from": valid_from}
            response = await svc.client.post(path, json={**body, **extra}, headers=auth(ADMIN))
            assert response.status_code == 201, response.text
            return response.json()

        async def on(n: int) -> dict:
            response = await svc.client.get(
                f"/v1/providers/{provider_id}/programmes/{PROGRAMME}/accreditation",
                params={"on": day(n)},
                headers=auth(READ),
            )
            assert response.status_code == 200, response.text
            return response.json()

        applied = await decide("applied", day(-60), rationale="Application received")
        # Straight from an application to a grant skips the review: refused.
        skipped = _problem(
            await svc.client.post(
                path,
                json={"programme_code": PROGRAMME, "status": "accredited", "valid_from": day(-50)},
                headers=auth(ADMIN),
            ),
            409,
        )
        assert skipped["current_status"] == "applied"
        await decide("under_review", day(-50), rationale="Assessors appointed")
        assert (await on(-45))["live"] is False

        # A conditional grant needs its conditions, and only it may carry them.
        _problem(
            await svc.client.post(
                path,
                json={
                    "programme_code": PROGRAMME,
                    "status": "accredited_with_conditions",
                    "valid_from": day(-40),
                },
                headers=auth(ADMIN),
            ),
            422,
        )
        conditional = await decide(
            "accredited_with_conditions",
            day(-40),
            valid_to=day(3 * 365),
            conditions=["Publish the faculty's EDI training records within 6 months"],
            rationale="Panel of 12 March: strong curriculum, gaps in faculty EDI training",
            reason_code="panel_decision",
        )
        assert conditional["conditions"] == [
            "Publish the faculty's EDI training records within 6 months"
        ]
        conditional_day = await on(-30)
        assert conditional_day["live"] is True
        assert conditional_day["decision"]["status"] == "accredited_with_conditions"

        granted = await decide(
            "accredited", day(-20), valid_to=day(3 * 365), rationale="Conditions met"
        )
        suspended = await decide("suspended", day(-10), reason_code="quality_concern")
        assert (await on(-15))["live"] is True
        assert (await on(-5))["live"] is False
        assert (await on(-5))["decision"]["id"] == suspended["id"]
        withdrawn = await decide("withdrawn", day(-2), reason_code="quality_not_restored")
        # A withdrawn accreditation starts again from an application, never from a suspension.
        _problem(
            await svc.client.post(
                path,
                json={"programme_code": PROGRAMME, "status": "suspended", "valid_from": day(0)},
                headers=auth(ADMIN),
            ),
            409,
        )

        log = await svc.client.get(path, headers=auth(READ))
        decisions = log.json()["items"]
        assert [d["status"] for d in decisions] == [
            "applied",
            "under_review",
            "accredited_with_conditions",
            "accredited",
            "suspended",
            "withdrawn",
        ]
        assert decisions[0]["id"] == applied["id"]
        assert decisions[3]["id"] == granted["id"]
        assert all(d["recorded_by"] for d in decisions)
        assert decisions[2]["rationale"].startswith("Panel of 12 March")
        assert decisions[4]["reason_code"] == "quality_concern"
        provider = (await svc.client.get(f"/v1/providers/{provider_id}", headers=auth(READ))).json()
        assert [(a["programme_code"], a["status"]) for a in provider["accreditations"]] == [
            (PROGRAMME, "withdrawn")
        ]
        assert provider["accreditations"][0]["accreditation_id"] == withdrawn["id"]

        changes = await _changes(svc)
        assert [(c["status"], c["previous_status"], c["live"]) for c in changes] == [
            ("applied", None, False),
            ("under_review", "applied", False),
            ("accredited_with_conditions", "under_review", True),
            ("accredited", "accredited_with_conditions", True),
            ("suspended", "accredited", False),
            ("withdrawn", "suspended", False),
        ]
        # Conditions and rationale are free text about the provider: kept out of events.
        assert all("conditions" not in c and "rationale" not in c for c in changes)


async def test_completions_count_under_a_conditional_grant_and_not_before_it(
    start_service,
) -> None:
    async with start_service("standards") as svc:
        provider_id = await _provider(svc)
        path = f"/v1/providers/{provider_id}/accreditations"
        for body in (
            {"status": "applied", "valid_from": "2025-01-01"},
            {"status": "under_review", "valid_from": "2025-02-01"},
            {
                "status": "accredited_with_conditions",
                "valid_from": "2025-06-01",
                "conditions": ["Annual external moderation"],
            },
        ):
            response = await svc.client.post(
                path, json={"programme_code": PROGRAMME, **body}, headers=auth(ADMIN)
            )
            assert response.status_code == 201, response.text

        async def complete(person: str, completed_at: str) -> dict:
            response = await svc.client.post(
                f"/v1/learners/{person}/completions",
                json={
                    "programme_code": PROGRAMME,
                    "provider_id": provider_id,
                    "completed_at": completed_at,
                    "org_code": "RR8",
                },
                headers=auth(WRITE),
            )
            assert response.status_code == 201, response.text
            return response.json()

        under_review = await complete("AC0001", "2025-03-10T10:00:00Z")
        assert under_review["accredited"] is False
        conditional = await complete("AC0002", "2025-07-10T10:00:00Z")
        assert conditional["accredited"] is True


async def test_the_worker_expires_lapsed_grants_once(start_service) -> None:
    async with start_service("standards") as svc:
        provider_id = await _provider(svc)
        path = f"/v1/providers/{provider_id}/accreditations"
        lapsed_on = date.today() - timedelta(days=3)
        grant = await svc.client.post(
            path,
            json={
                "programme_code": PROGRAMME,
                "status": "accredited",
                "valid_from": "2023-04-01",
                "valid_to": lapsed_on.isoformat(),
            },
            headers=auth(ADMIN),
        )
        assert grant.status_code == 201, grant.text
        still_running = await svc.client.post(
            path,
            json={
                "programme_code": "NLA-MARY-SEACOLE",
                "status": "accredited",
                "valid_from": "2023-04-01",
                "valid_to": (date.today() + timedelta(days=30)).isoformat(),
            },
            headers=auth(ADMIN),
        )
        assert still_running.status_code == 201, still_running.text

        first = await compliance_service.sweep(svc.db, service_name="standards")
        assert first.accreditations_expired == 1
        decisions = (await svc.client.get(path, headers=auth(READ))).json()["items"]
        expired = decisions[-1]
        assert expired["status"] == "expired"
        assert expired["programme_code"] == PROGRAMME
        assert expired["valid_from"] == (lapsed_on + timedelta(days=1)).isoformat()
        assert expired["recorded_by"] == "system:accreditation-expiry"
        changes = await _changes(svc)
        assert changes[-1]["status"] == "expired"
        assert changes[-1]["previous_status"] == "accredited"

        second = await compliance_service.sweep(svc.db, service_name="standards")
        assert second.accreditations_expired == 0
        assert len(await _changes(svc)) == len(changes)
        # An expired accreditation starts again with an application.
        again = await svc.client.post(
            path,
            json={
                "programme_code": PROGRAMME,
                "status": "applied",
                "valid_from": date.today().isoformat(),
            },
            headers=auth(ADMIN),
        )
        assert again.status_code == 201, again.text


async def test_the_worker_runs_the_expiry_step_on_its_own(start_service) -> None:
    async with start_service(
        "standards", run_workers=True, compliance_sweep_interval_seconds=0.5
    ) as svc:
        provider_id = await _provider(svc)
        path = f"/v1/providers/{provider_id}/accreditations"
        grant = await svc.client.post(
            path,
            json={
                "programme_code": PROGRAMME,
                "status": "accredited",
                "valid_from": "2024-01-01",
                "valid_to": (date.today() - timedelta(days=1)).isoformat(),
            },
            headers=auth(ADMIN),
        )
        assert grant.status_code == 201, grant.text

        async def expired() -> dict | None:
            items = (await svc.client.get(path, headers=auth(READ))).json()["items"]
            return items[-1] if items[-1]["status"] == "expired" else None

        decision = await eventually(expired, timeout=20)
        assert decision["recorded_by"] == "system:accreditation-expiry"
        # It rides along with the service's one consumer, whose group the worker's status lists.
        [consumer] = svc.app.state.consumers
        assert consumer.group_id == svc.settings.group_id
        assert consumer.sweeper.running is True


def _decision(seq: int, status: S, start: date, end: date | None = None) -> Decision:
    return Decision(seq=seq, status=status, valid_from=start, valid_to=end)


@pytest.mark.parametrize(
    ("status", "live"),
    [
        (S.ACCREDITED, True),
        (S.ACCREDITED_WITH_CONDITIONS, True),
        (S.APPLIED, False),
        (S.UNDER_REVIEW, False),
        (S.SUSPENDED, False),
        (S.WITHDRAWN, False),
        (S.EXPIRED, False),
    ],
)
def test_only_the_two_grants_are_live(status: S, live: bool) -> None:
    decisions = [_decision(1, status, date(2025, 1, 1))]
    assert domain.accredited_on(decisions, date(2025, 6, 1)) is live


def test_the_lifecycle_transitions() -> None:
    allowed = [
        (None, S.APPLIED),
        (None, S.ACCREDITED),
        (S.APPLIED, S.UNDER_REVIEW),
        (S.UNDER_REVIEW, S.ACCREDITED_WITH_CONDITIONS),
        (S.ACCREDITED_WITH_CONDITIONS, S.ACCREDITED),
        (S.ACCREDITED, S.SUSPENDED),
        (S.SUSPENDED, S.ACCREDITED),
        (S.SUSPENDED, S.WITHDRAWN),
        (S.SUSPENDED, S.EXPIRED),
        (S.EXPIRED, S.APPLIED),
        (S.WITHDRAWN, S.APPLIED),
    ]
    for current, requested in allowed:
        domain.check_transition(current, requested)
    refused = [
        (None, S.SUSPENDED),
        (None, S.UNDER_REVIEW),
        (S.APPLIED, S.ACCREDITED),
        (S.UNDER_REVIEW, S.SUSPENDED),
        (S.WITHDRAWN, S.SUSPENDED),
        (S.EXPIRED, S.SUSPENDED),
    ]
    for current, requested in refused:
        with pytest.raises(domain.InvalidAccreditationTransition):
            domain.check_transition(current, requested)


def test_a_grant_lapses_only_when_it_is_the_latest_decision_and_its_window_ended() -> None:
    today = date(2026, 11, 22)
    ended = _decision(3, S.ACCREDITED_WITH_CONDITIONS, date(2024, 1, 1), date(2026, 11, 21))
    assert domain.lapsed(ended, today) == domain.Lapse(3, ended.status, date(2026, 11, 21))
    assert domain.lapsed(_decision(3, S.ACCREDITED, date(2024, 1, 1), today), today) is None
    assert domain.lapsed(_decision(3, S.ACCREDITED, date(2024, 1, 1)), today) is None
    suspension = _decision(4, S.SUSPENDED, date(2026, 1, 1), date(2026, 2, 1))
    assert domain.lapsed(suspension, today) is None


def test_conditions_belong_to_conditional_grants() -> None:
    domain.check_conditions(S.ACCREDITED_WITH_CONDITIONS, ["Annual moderation"])
    domain.check_conditions(S.ACCREDITED, [])
    with pytest.raises(domain.ConditionsMismatch):
        domain.check_conditions(S.ACCREDITED_WITH_CONDITIONS, [])
    with pytest.raises(domain.ConditionsMismatch):
        domain.check_conditions(S.SUSPENDED, ["x"])


def test_accreditation_days_are_english_dates() -> None:
    late_summer_evening = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    assert domain.accreditation_day(late_summer_evening) == date(2026, 7, 2)
