"""Term expiry over HTTP and in the worker's job: active terms whose last day has passed end
once, with reason ``term_expired``, clearing their seats; no vacancy is opened for them."""

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from devstack import flows
from devstack.testing import auth, eventually
from ned.appointments import service as appointment_service
from ned.jobs import run_step_once
from shared.tables import outbox
from shared.uow import UnitOfWork

NHSE = auth("ned:read ned:write ned:appoint national")
ADMIN = auth("ned:read ned:admin national")
GUYS_ADMIN = auth("ned:read ned:admin", org="RJ1")
LEEDS_WRITER = auth("ned:read ned:write", org="RR8")
TERM_ENDED = "leadership.ned.term.ended.v1"


def person() -> str:
    return "N" + uuid.uuid4().hex[:9].upper()


def today() -> date:
    return datetime.now(UTC).date()


async def active_term(ned: Any, org_code: str, start: date, end: date) -> dict[str, Any]:
    """A seat on the board and an active term on it (appointed, FPPT passed)."""
    seat = await flows.ned_seat(ned.client, org_code, NHSE)
    appointment = await flows.ned_appointment(
        ned.client,
        org_code,
        seat["id"],
        person(),
        NHSE,
        term_start=start.isoformat(),
        term_end=end.isoformat(),
    )
    await flows.pass_appointment_fppt(ned.client, appointment, NHSE)
    current = await ned.client.get(f"/v1/appointments/{appointment['id']}", headers=NHSE)
    result: dict[str, Any] = current.json()
    assert result["status"] == "active"
    return result


async def two_terms(ned: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """On Leeds's board: one term whose last day was yesterday, one still running."""
    expired = await active_term(
        ned, "RR8", today() - timedelta(days=3 * 365), today() - timedelta(days=1)
    )
    running = await active_term(
        ned, "RR8", today() - timedelta(days=365), today() + timedelta(days=2 * 365)
    )
    return expired, running


async def events_of(ned: Any, event_type: str) -> list[dict[str, Any]]:
    async with ned.db.session() as session:
        rows = (await session.execute(select(outbox).where(outbox.c.type == event_type))).all()
    return [dict(row.payload) for row in rows]


async def holders(ned: Any, org_code: str) -> dict[str, str | None]:
    board = (await ned.client.get(f"/v1/boards/{org_code}", headers=NHSE)).json()
    return {seat["id"]: seat["holder_person_id"] for seat in board["seats"]}


async def test_two_concurrent_admin_runs_end_the_expired_term_once(start_service) -> None:
    async with start_service("ned") as ned:
        expired, running = await two_terms(ned)
        forecast = await ned.client.get("/v1/boards/RR8/term-end-forecast", headers=NHSE)
        assert (forecast.json()["active_terms"], forecast.json()["overdue"]) == (2, 1)

        first, second = await asyncio.gather(
            ned.client.post("/v1/admin/term-expiry-runs", headers=ADMIN),
            ned.client.post("/v1/admin/term-expiry-runs", headers=ADMIN),
        )
        assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
        runs = [first.json(), second.json()]
        assert sorted(run["ended"] for run in runs) == [0, 1]
        assert [i for run in runs for i in run["appointment_ids"]] == [expired["id"]]
        assert {run["as_of"] for run in runs} == {today().isoformat()}

        ended = (await ned.client.get(f"/v1/appointments/{expired['id']}", headers=NHSE)).json()
        assert ended["status"] == "ended"
        assert ended["ended_on"] == expired["term_end"]
        assert ended["end_reason_code"] == "term_expired"
        still = (await ned.client.get(f"/v1/appointments/{running['id']}", headers=NHSE)).json()
        assert still["status"] == "active"
        assert await holders(ned, "RR8") == {
            expired["seat_id"]: None,
            running["seat_id"]: running["person_id"],
        }

        (event,) = await events_of(ned, TERM_ENDED)
        assert event["appointment_id"] == expired["id"]
        assert event["person_id"] == expired["person_id"]
        assert event["seat_id"] == expired["seat_id"]
        assert event["reason_code"] == "term_expired"
        assert event["ended_on"] == expired["term_end"]
        assert event["term_end"] == expired["term_end"]

        # The expiry opens no campaign: that remains the appointing body's decision.
        vacancies = await ned.client.get("/v1/vacancies?org_code=RR8", headers=NHSE)
        assert vacancies.json()["items"] == []
        assert await events_of(ned, "leadership.vacancy.opened.v1") == []
        forecast = await ned.client.get("/v1/boards/RR8/term-end-forecast", headers=NHSE)
        assert (forecast.json()["active_terms"], forecast.json()["overdue"]) == (1, 0)

        again = await ned.client.post("/v1/admin/term-expiry-runs", headers=ADMIN)
        assert again.json()["ended"] == 0
        assert len(await events_of(ned, TERM_ENDED)) == 1


async def test_two_concurrent_job_ticks_end_the_expired_term_once(start_service) -> None:
    async with start_service("ned") as ned:
        expired, running = await two_terms(ned)

        ticks = await asyncio.gather(
            run_step_once(
                ned.db, ned.settings, "term-expiry", appointment_service.term_expiry_step
            ),
            run_step_once(
                ned.db, ned.settings, "term-expiry", appointment_service.term_expiry_step
            ),
        )
        # One tick did the work; the other either found the job's lock taken (None) or came
        # after the first committed and found nothing left (0).
        assert sorted(ticks, key=lambda t: -1 if t is None else t) in ([None, 1], [0, 1])
        (event,) = await events_of(ned, TERM_ENDED)
        assert event["appointment_id"] == expired["id"]
        statuses = {
            a["id"]: a["status"]
            for a in (await ned.client.get("/v1/appointments?org_code=RR8", headers=NHSE)).json()[
                "items"
            ]
        }
        assert statuses == {expired["id"]: "ended", running["id"]: "active"}


async def test_a_run_that_read_the_term_before_another_ended_it_leaves_it_alone(
    start_service,
) -> None:
    """The race the row lock and the second look exist for: run B lists the expired term
    while run A has ended it but not yet committed; B must not end it a second time."""
    async with start_service("ned") as ned:
        expired, _running = await two_terms(ned)
        async with UnitOfWork(ned.db, service_name="ned") as first:
            ended_by_first = await appointment_service.expire_terms(
                session=first.session, uow=first, today=today()
            )
            assert [a.id for a in ended_by_first] == [uuid.UUID(expired["id"])]

            async def second_run() -> list[Any]:
                async with UnitOfWork(ned.db, service_name="ned") as second:
                    ended = await appointment_service.expire_terms(
                        session=second.session, uow=second, today=today()
                    )
                    await second.commit()
                    return ended

            second = asyncio.create_task(second_run())
            # B has listed the term (still active for it) and now waits for the board's lock.
            await asyncio.sleep(0.5)
            assert not second.done()
            await first.commit()
        assert await second == []
        (event,) = await events_of(ned, TERM_ENDED)
        assert event["appointment_id"] == expired["id"]


async def test_a_run_ends_only_the_terms_within_the_tokens_reach(start_service) -> None:
    async with start_service("ned") as ned:
        expired, _running = await two_terms(ned)

        elsewhere = await ned.client.post("/v1/admin/term-expiry-runs", headers=GUYS_ADMIN)
        assert elsewhere.status_code == 200, elsewhere.text
        assert elsewhere.json()["ended"] == 0
        still = await ned.client.get(f"/v1/appointments/{expired['id']}", headers=NHSE)
        assert still.json()["status"] == "active"

        refused = await ned.client.post("/v1/admin/term-expiry-runs", headers=LEEDS_WRITER)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"

        own = await ned.client.post(
            "/v1/admin/term-expiry-runs", headers=auth("ned:read ned:admin", org="RR8")
        )
        assert own.json()["appointment_ids"] == [expired["id"]]
        assert len(await events_of(ned, TERM_ENDED)) == 1


async def test_the_worker_ends_expired_terms_on_its_own(start_service) -> None:
    """The job is registered with the worker: a worker started on the same database ends the
    expired term at its first tick, with nobody calling the API."""
    async with start_service("ned") as ned:
        expired, running = await two_terms(ned)
        async with start_service("ned", run_workers=True, database_url=ned.database_url):

            async def ended() -> bool:
                current = await ned.client.get(f"/v1/appointments/{expired['id']}", headers=NHSE)
                return bool(current.json()["status"] == "ended")

            await eventually(ended, timeout=30)
        (event,) = await events_of(ned, TERM_ENDED)
        assert (event["appointment_id"], event["reason_code"]) == (expired["id"], "term_expired")
        still = await ned.client.get(f"/v1/appointments/{running['id']}", headers=NHSE)
        assert still.json()["status"] == "active"
