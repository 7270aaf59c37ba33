"""Faults while events flow from standards and appraisal into talent.

The embedded stack runs as real processes (`devstack.stack.Stack`): PostgreSQL, the broker and
one process per service, each with its API, outbox relay and consumers. While a stream of
accredited completions (standards) and completed appraisals (appraisal) is written over HTTP,
the test kills -9 the process holding the standards relay, kills -9 talent's consumer process,
kills -9 the appraisal API, pauses the broker for 10 s, and restarts PostgreSQL. Afterwards
talent must hold exactly one effect per event, and every outbox must be drained.

Quick by default (1,000 events); `SOAK=1` runs the full 10,000."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from devstack import flows
from devstack.stack import Stack
from shared.events.cloudevents import encode_headers, encode_value

SOAK = os.environ.get("SOAK") == "1"
EVENTS = 10_000 if SOAK else 1_000
APPRAISAL_SHARE = 5  # one event in five is a completed appraisal
CYCLE_YEARS = list(range(2019, 2031))
ORG = "RR8"
CONCURRENCY = 12
ACCREDITED = "leadership.training.accredited.v1"
STREAM_START = datetime.now(UTC) - timedelta(days=7)
APPRAISED = "leadership.appraisal.completed.v1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    base = tmp_path_factory.mktemp("faults")
    stack = Stack(base_dir=base, fixed_ports=False, environ={})
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg", "postgresql")


async def _scalar(url: str, sql: str, *args: Any) -> int:
    for _ in range(100):  # PostgreSQL may be restarting
        try:
            conn = await asyncpg.connect(_plain(url))
        except (OSError, asyncpg.PostgresError):
            await asyncio.sleep(0.2)
            continue
        try:
            return int(await conn.fetchval(sql, *args))
        finally:
            await conn.close()
    raise AssertionError(f"database unreachable: {url}")


class Client:
    """An HR system that keeps retrying through outages, as a well-behaved integrator does."""

    def __init__(self, stack: Stack) -> None:
        token = stack.mint_token()
        self.headers = {"Authorization": f"Bearer {token}"}
        self.http = {
            name: httpx.AsyncClient(base_url=stack.service_url(name), timeout=20)
            for name in ("standards", "appraisal", "talent")
        }

    async def close(self) -> None:
        for client in self.http.values():
            await client.aclose()

    async def call(self, service: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        deadline = time.monotonic() + 180
        delay = 0.1
        while True:
            try:
                response = await self.http[service].request(method, path, headers=headers, **kwargs)
                if response.status_code < 500:
                    return response
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{service} {method} {path} kept failing")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def complete(self, person_id: str, provider_id: str, n: int) -> None:
        response = await self.call(
            "standards",
            "POST",
            f"/v1/learners/{person_id}/completions",
            json={
                "programme_code": flows.ACCREDITED_PROGRAMME,
                "provider_id": provider_id,
                "org_code": ORG,
                # Distinct (the same person, programme and time twice is a duplicate), recent
                # (inside the provider's accreditation) and never in the future.
                "completed_at": (STREAM_START + timedelta(seconds=n)).isoformat(),
            },
            headers={"Idempotency-Key": f"completion-{n}"},
        )
        assert response.status_code == 201, response.text

    async def appraise(self, person_id: str, cycle_year: int) -> None:
        created = await self.call(
            "appraisal",
            "POST",
            "/v1/appraisals",
            json={
                "person_id": person_id,
                "org_code": ORG,
                "appraiser_id": "900001",
                "cycle_year": cycle_year,
            },
            headers={"Idempotency-Key": f"appraisal-{person_id}-{cycle_year}"},
        )
        assert created.status_code == 201, created.text
        path = f"/v1/appraisals/{created.json()['id']}"
        await self._until(
            path,
            lambda a: a.get("performance_outcome") is not None,
            "PATCH",
            path,
            flows.APPRAISAL_CONTENT,
        )
        for status in flows.APPRAISAL_MOVES:
            await self._until(
                path,
                lambda a, s=status: a["status"] == s,
                "POST",
                f"{path}/transitions",
                {"to": status},
            )

    async def _until(
        self,
        path: str,
        done: Callable[[dict[str, Any]], bool],
        method: str,
        target: str,
        body: dict[str, Any],
    ) -> None:
        """Read, and write with the current ETag, until the change is there: a retried write
        whose first attempt did commit sees 412 and then finds its change already made."""
        for _ in range(50):
            current = await self.call("appraisal", "GET", path)
            assert current.status_code == 200, current.text
            if done(current.json()):
                return
            response = await self.call(
                "appraisal",
                method,
                target,
                json=body,
                headers={"If-Match": current.headers["ETag"]},
            )
            if response.status_code not in (200, 412, 409):
                raise AssertionError(response.text)
        raise AssertionError(f"{method} {target} never took effect")


async def _run_faults(stack: Stack, progress: Callable[[], int], log: list[str]) -> None:
    async def at(fraction: float) -> None:
        while progress() < EVENTS * fraction:
            await asyncio.sleep(0.05)

    async def act(label: str, action: Callable[[], Any]) -> None:
        log.append(f"{label} at {progress()}")
        await asyncio.to_thread(action)

    await at(0.10)
    await act("kill -9 standards (its relay)", lambda: stack.kill_service("standards"))
    await act("restart standards", lambda: stack.start_service("standards"))
    await at(0.25)
    await act("kill -9 talent (its consumer)", lambda: stack.kill_service("talent"))
    await act("restart talent", lambda: stack.start_service("talent"))
    await at(0.40)
    await act("kill -9 appraisal (its API)", lambda: stack.kill_service("appraisal"))
    await act("restart appraisal", lambda: stack.start_service("appraisal"))
    await at(0.55)
    await act("SIGSTOP broker", stack.broker.pause)
    await asyncio.sleep(10)
    await act("SIGCONT broker", stack.broker.resume)
    await at(0.70)
    await act("restart PostgreSQL", stack.restart_postgres)


@pytest.mark.timeout(3600 if SOAK else 900)
async def test_effects_are_exact_after_every_fault(stack: Stack) -> None:
    client = Client(stack)
    run = uuid.uuid4().hex[:6]
    appraisals = EVENTS // APPRAISAL_SHARE
    people = [f"F{run}{n:04d}" for n in range(-(-appraisals // len(CYCLE_YEARS)))]
    work: list[Callable[[], Awaitable[None]]] = []
    try:
        await flows.import_people(
            client.http["talent"], [flows.staff_row(p, ORG) for p in people], client.headers
        )
        provider_id = await flows.accredited_provider(client.http["standards"], client.headers)
        for n in range(EVENTS):
            if (
                n % APPRAISAL_SHARE == 0
                and len([w for w in work if getattr(w, "appraisal", False)]) < appraisals
            ):
                index = n // APPRAISAL_SHARE
                person, year = (
                    people[index // len(CYCLE_YEARS)],
                    CYCLE_YEARS[index % len(CYCLE_YEARS)],
                )

                async def appraisal_job(p: str = person, y: int = year) -> None:
                    await client.appraise(p, y)

                appraisal_job.appraisal = True  # type: ignore[attr-defined]
                work.append(appraisal_job)
            else:

                async def completion_job(i: int = n) -> None:
                    await client.complete(people[i % len(people)], provider_id, i)

                work.append(completion_job)

        finished = 0
        queue = iter(work)

        async def worker() -> None:
            nonlocal finished
            for job in queue:
                await job()
                finished += 1

        fault_log: list[str] = []
        faults = asyncio.create_task(_run_faults(stack, lambda: finished, fault_log))
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        await faults
    finally:
        await client.close()

    expected_appraisals = sum(1 for w in work if getattr(w, "appraisal", False))
    expected_credentials = len(work) - expected_appraisals
    talent_db = stack.service_database_url("talent")

    async def effects() -> tuple[int, int]:
        sql = (
            "SELECT count(*) FROM profile_events e WHERE event_type = $1 AND outcome = 'applied' "
            "AND person_id LIKE $2"
        )
        credentials = await _scalar(talent_db, sql, ACCREDITED, f"F{run}%")
        appraisals_seen = await _scalar(talent_db, sql, APPRAISED, f"F{run}%")
        return credentials, appraisals_seen

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if await effects() == (expected_credentials, expected_appraisals):
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(5)  # a doubled effect would arrive now
    assert await effects() == (expected_credentials, expected_appraisals), fault_log
    for service in ("standards", "appraisal"):
        pending = await _scalar(
            stack.service_database_url(service),
            "SELECT count(*) FROM outbox WHERE published_at IS NULL",
        )
        assert pending == 0, f"{service} outbox not drained"
    assert len(fault_log) == 9, fault_log


async def _dead_letters(bootstrap: str, group: str, marker: str, count: int) -> list[Any]:
    """Dead letters of `group` whose subject ends with `marker`, once `count` have arrived."""
    consumer = AIOKafkaConsumer(
        f"leadership.dlq.{group}", bootstrap_servers=bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    found: list[Any] = []
    try:
        deadline = time.monotonic() + 60
        while len(found) < count and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=300)).values():
                found.extend(
                    r
                    for r in records
                    if dict(r.headers).get("ce_subject", b"").decode().endswith(marker)
                )
    finally:
        await consumer.stop()
    return found


async def test_poison_messages_are_dead_lettered_and_the_partition_flows(stack: Stack) -> None:
    person = f"X{uuid.uuid4().hex[:8]}"
    marker = str(uuid.uuid4())

    def headers(event_type: str) -> list[tuple[str, bytes]]:
        return encode_headers(
            event_id=uuid.uuid4(),
            source="/leadership/standards",
            event_type=event_type,
            time=datetime.now(UTC),
            subject=f"credentials/{marker}",
        )

    good = {
        "record_id": str(uuid.uuid4()),
        "credential_id": str(uuid.uuid4()),
        "person_id": person,
        "org_code": ORG,
        "programme_code": flows.ACCREDITED_PROGRAMME,
        "standards": [],
        "levels": ["first_line"],
        "awarded_at": datetime.now(UTC).isoformat(),
        "expires_at": None,
    }
    poison = [
        (b"{this is not json", headers(ACCREDITED), "invalid-json"),
        (encode_value(good), headers("com.example.not.ours"), "unknown-type"),
        (encode_value({**good, "awarded_at": "yesterday"}), headers(ACCREDITED), "invalid-payload"),
    ]
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap_servers)
    await producer.start()
    try:
        for value, hdrs, _ in poison:  # same key, so the same partition as the good event
            await producer.send_and_wait(
                "leadership.standards", value=value, key=person.encode(), headers=hdrs
            )
        await producer.send_and_wait(
            "leadership.standards",
            value=encode_value(good),
            key=person.encode(),
            headers=headers(ACCREDITED),
        )
    finally:
        await producer.stop()

    talent_db = stack.service_database_url("talent")
    deadline = time.monotonic() + 60
    while (
        await _scalar(
            talent_db,
            "SELECT count(*) FROM profile_credentials WHERE credential_id = $1",
            good["credential_id"],
        )
        != 1
    ):
        assert time.monotonic() < deadline, "the good event behind the poison was not applied"
        await asyncio.sleep(0.2)

    dead = await _dead_letters(stack.bootstrap_servers, "talent", marker, len(poison))
    reasons = sorted(dict(r.headers)["dlq_reason"].decode() for r in dead)
    assert reasons == sorted(reason for _, _, reason in poison)
    for record in dead:
        assert dict(record.headers)["dlq_original_topic"] == b"leadership.standards"
