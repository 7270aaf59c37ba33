"""Fifty requests at once against one resource: optimistic locking and Idempotency-Key under load.

- 50 conflicting changes carrying the same ``If-Match``: exactly one succeeds, 49 get 412.
- 50 identical POSTs carrying the same ``Idempotency-Key``: one resource, one set of events, and
  all 50 get the same response (49 of them marked ``Idempotent-Replayed``).

Outcomes are checked through the API and in the service's database, outbox included.

Every race runs twice. In process, through httpx's ASGI transport (``start_service``): all
requests share the test's event loop, yet each still takes its own pooled database connection,
so PostgreSQL's row locks decide the winner. Then over TCP against the service running under
uvicorn in a child process with two worker processes: two interpreters, two connection pools
and real sockets, as in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from sqlalchemy import text

from devstack import flows
from devstack.broker import EmbeddedBroker
from devstack.paths import find_repo_root
from devstack.ports import LOCALHOST, free_port
from devstack.postgres import EmbeddedPostgres
from devstack.process import ChildProcess
from devstack.testing import auth, migrate
from shared.db import Database

N = 50
PROBLEM = "application/problem+json"
WRITER = auth()  # every scope, national
SERVER_WORKERS = 2
SERVER_START_SECONDS = 180.0


@dataclass
class Target:
    client: httpx.AsyncClient
    db: Database


async def scalar(db: Database, sql: str, **params: Any) -> Any:
    async with db.session() as session:
        return await session.scalar(text(sql), params)


async def outbox_count(db: Database, **where: str) -> int:
    """Outbox rows whose payload has these values (all of them, as text)."""
    clauses = " AND ".join(f"payload->>'{name}' = :{name}" for name in where) or "true"
    return int(await scalar(db, f"SELECT count(*) FROM outbox WHERE {clauses}", **where))


async def outbox_types(db: Database, **where: str) -> Counter[str]:
    clauses = " AND ".join(f"payload->>'{name}' = :{name}" for name in where)
    async with db.session() as session:
        rows = await session.execute(text(f"SELECT type FROM outbox WHERE {clauses}"), where)
        return Counter(row.type for row in rows)


async def at_once(request: Callable[[int], Awaitable[httpx.Response]]) -> list[httpx.Response]:
    return list(await asyncio.gather(*(request(i) for i in range(N))))


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


def assert_one_winner(responses: list[httpx.Response]) -> httpx.Response:
    """Exactly one 200 and N-1 412 problems; the winner."""
    counted = statuses(responses)
    details = {r.status_code: r.text[:300] for r in responses if r.status_code not in (200, 412)}
    assert counted == {200: 1, 412: N - 1}, (counted, details)
    for response in responses:
        if response.status_code == 412:
            assert response.headers["content-type"] == PROBLEM
            assert response.json()["status"] == 412
    return next(r for r in responses if r.status_code == 200)


def assert_same_response(responses: list[httpx.Response], status: int) -> dict[str, Any]:
    """All N answered ``status`` with the same body and headers; N-1 were replays."""
    counted = statuses(responses)
    details = {r.status_code: r.text[:300] for r in responses if r.status_code != status}
    assert counted == {status: N}, (counted, details)
    bodies = {response.content for response in responses}
    assert len(bodies) == 1, f"{len(bodies)} different bodies"
    for header in ("etag", "location"):
        assert len({r.headers.get(header) for r in responses}) == 1, header
    replayed = [r for r in responses if r.headers.get("idempotent-replayed") == "true"]
    assert len(replayed) == N - 1
    body: dict[str, Any] = responses[0].json()
    return body


def person_id() -> str:
    return f"C{uuid.uuid4().hex[:12]}"


# ---- appraisal -------------------------------------------------------------------------------


async def new_appraisal(target: Target) -> tuple[str, str]:
    created = await target.client.post(
        "/v1/appraisals",
        json={
            "person_id": person_id(),
            "appraiser_id": "900001",
            "org_code": "RR8",
            "cycle_year": 2026,
        },
        headers=WRITER,
    )
    assert created.status_code == 201, created.text
    return created.json()["id"], created.headers["ETag"]


async def appraisal_patch_race(target: Target) -> None:
    appraisal_id, etag = await new_appraisal(target)
    url = f"/v1/appraisals/{appraisal_id}"

    async def patch(i: int) -> httpx.Response:
        # Each writer sets a different appraiser, so the stored value names the winner.
        return await target.client.patch(
            url, json={"appraiser_id": f"8{i:05d}"}, headers={**WRITER, "If-Match": etag}
        )

    winner = assert_one_winner(await at_once(patch))
    current = await target.client.get(url, headers=WRITER)
    assert current.json()["appraiser_id"] == winner.json()["appraiser_id"]
    assert current.json()["version"] == 2
    assert current.headers["ETag"] == winner.headers["ETag"]
    stored = await scalar(
        target.db, "SELECT version FROM appraisals WHERE id = :id", id=uuid.UUID(appraisal_id)
    )
    assert stored == 2


async def _ready_for_sign_off(target: Target) -> tuple[str, str]:
    appraisal_id, etag = await new_appraisal(target)
    url = f"/v1/appraisals/{appraisal_id}"
    patched = await target.client.patch(
        url, json=flows.APPRAISAL_CONTENT, headers={**WRITER, "If-Match": etag}
    )
    assert patched.status_code == 200, patched.text
    etag = patched.headers["ETag"]
    for status in flows.APPRAISAL_MOVES[:-1]:  # every move but the sign-off that completes
        moved = await target.client.post(
            f"{url}/transitions", json={"to": status}, headers={**WRITER, "If-Match": etag}
        )
        assert moved.status_code == 200, moved.text
        etag = moved.headers["ETag"]
    return appraisal_id, etag


async def _check_completed_once(target: Target, appraisal_id: str) -> None:
    changes = await scalar(
        target.db,
        "SELECT count(*) FROM appraisal_status_changes "
        "WHERE appraisal_id = :id AND to_status = 'completed'",
        id=uuid.UUID(appraisal_id),
    )
    assert changes == 1
    events = await outbox_types(target.db, appraisal_id=appraisal_id)
    assert events == {"leadership.appraisal.completed.v1": 1}, events


async def appraisal_completion_race(target: Target) -> None:
    """Signing off is the transition that publishes; two sign-offs would be two events."""
    appraisal_id, etag = await _ready_for_sign_off(target)

    async def complete(i: int) -> httpx.Response:
        return await target.client.post(
            f"/v1/appraisals/{appraisal_id}/transitions",
            json={"to": "completed"},
            headers={**WRITER, "If-Match": etag},
        )

    winner = assert_one_winner(await at_once(complete))
    assert winner.json()["status"] == "completed"
    await _check_completed_once(target, appraisal_id)


async def appraisal_completion_retry_race(target: Target) -> None:
    """A client retrying a sign-off it thinks timed out: same If-Match, same Idempotency-Key.

    The retries are the same operation, so each must get the first response, not a 412 that
    would tell the client its sign-off failed when it succeeded.
    """
    appraisal_id, etag = await _ready_for_sign_off(target)
    key = str(uuid.uuid4())

    async def complete(i: int) -> httpx.Response:
        return await target.client.post(
            f"/v1/appraisals/{appraisal_id}/transitions",
            json={"to": "completed"},
            headers={**WRITER, "If-Match": etag, "Idempotency-Key": key},
        )

    body = assert_same_response(await at_once(complete), 200)
    assert body["status"] == "completed"
    await _check_completed_once(target, appraisal_id)


async def appraisal_create_same_key_race(target: Target) -> None:
    someone = person_id()
    key = str(uuid.uuid4())
    before = await outbox_count(target.db)

    async def create(i: int) -> httpx.Response:
        return await target.client.post(
            "/v1/appraisals",
            json={
                "person_id": someone,
                "appraiser_id": "900001",
                "org_code": "RR8",
                "cycle_year": 2026,
            },
            headers={**WRITER, "Idempotency-Key": key},
        )

    body = assert_same_response(await at_once(create), 201)
    assert body["person_id"] == someone
    assert (
        await scalar(target.db, "SELECT count(*) FROM appraisals WHERE person_id = :p", p=someone)
        == 1
    )
    assert (
        await scalar(target.db, "SELECT count(*) FROM idempotency_keys WHERE key = :k", k=key) == 1
    )
    # Opening an appraisal publishes nothing; fifty openings must not either.
    assert await outbox_count(target.db) == before


# ---- standards -------------------------------------------------------------------------------


async def provider_same_key_race(target: Target) -> None:
    name = f"Concurrent Leadership Academy {uuid.uuid4().hex[:8]}"
    key = str(uuid.uuid4())
    before = await outbox_count(target.db)

    async def create(i: int) -> httpx.Response:
        return await target.client.post(
            "/v1/providers", json={"name": name}, headers={**WRITER, "Idempotency-Key": key}
        )

    body = assert_same_response(await at_once(create), 201)
    assert body["name"] == name
    assert await scalar(target.db, "SELECT count(*) FROM providers WHERE name = :n", n=name) == 1
    # Registering a provider publishes nothing; fifty registrations must not either.
    assert await outbox_count(target.db) == before


async def accreditation_same_key_race(target: Target) -> None:
    created = await target.client.post(
        "/v1/providers", json={"name": f"Provider {uuid.uuid4().hex[:8]}"}, headers=WRITER
    )
    assert created.status_code == 201, created.text
    provider_id = created.json()["id"]
    key = str(uuid.uuid4())

    async def accredit(i: int) -> httpx.Response:
        return await target.client.post(
            f"/v1/providers/{provider_id}/accreditations",
            json={
                "programme_code": flows.ACCREDITED_PROGRAMME,
                "status": "accredited",
                "valid_from": "2025-04-01",
            },
            headers={**WRITER, "Idempotency-Key": key},
        )

    assert_same_response(await at_once(accredit), 201)
    decisions = await scalar(
        target.db,
        "SELECT count(*) FROM accreditations WHERE provider_id = :p",
        p=uuid.UUID(provider_id),
    )
    assert decisions == 1
    events = await outbox_types(target.db, provider_id=provider_id)
    assert events == {"leadership.provider.accreditation.changed.v1": 1}, events


async def completion_same_key_race(target: Target) -> None:
    provider_id = await flows.accredited_provider(target.client, WRITER)
    learner = person_id()
    key = str(uuid.uuid4())
    completed_at = (datetime.now(UTC) - timedelta(hours=2)).isoformat()

    async def record(i: int) -> httpx.Response:
        return await target.client.post(
            f"/v1/learners/{learner}/completions",
            json={
                "programme_code": flows.ACCREDITED_PROGRAMME,
                "provider_id": provider_id,
                "completed_at": completed_at,
                "org_code": "RR8",
            },
            headers={**WRITER, "Idempotency-Key": key},
        )

    body = assert_same_response(await at_once(record), 201)
    assert body["accredited"] is True
    for table in ("learner_records", "credentials"):
        count = await scalar(
            target.db, f"SELECT count(*) FROM {table} WHERE person_id = :p", p=learner
        )
        assert count == 1, table
    events = await outbox_types(target.db, person_id=learner)
    assert events == {
        "leadership.training.completed.v1": 1,
        "leadership.training.accredited.v1": 1,
    }, events


RACES: dict[str, list[Callable[[Target], Awaitable[None]]]] = {
    "appraisal": [
        appraisal_patch_race,
        appraisal_completion_race,
        appraisal_completion_retry_race,
        appraisal_create_same_key_race,
    ],
    "standards": [provider_same_key_race, accreditation_same_key_race, completion_same_key_race],
}
CASES = [
    pytest.param(service, race, id=race.__name__)
    for service, races in RACES.items()
    for race in races
]


# A cheap read per service that takes a database connection (not /readyz: its broker check
# has nothing to do with these races and may time out on a busy machine).
WARM_UP = {"appraisal": "/v1/appraisals?limit=1", "standards": "/v1/programmes?limit=1"}


async def _warm_up(service: str, client: httpx.AsyncClient) -> None:
    """Open the connections and the workers' database pools before the race.

    Otherwise each racer first pays for a TCP handshake and a new database connection, which
    staggers them enough for the first to finish before the last start, and the race is lost.
    """
    probes = await asyncio.gather(*(client.get(WARM_UP[service], headers=WRITER) for _ in range(N)))
    assert all(p.status_code == 200 for p in probes), [p.text for p in probes[:3]]


@pytest.mark.parametrize(("service", "race"), CASES)
async def test_race_in_process(service: str, race, start_service) -> None:
    async with start_service(service) as running:
        await _warm_up(service, running.client)
        await race(Target(running.client, running.db))


# ---- over TCP, against uvicorn in a child process ----------------------------------------------


@dataclass
class Server:
    url: str
    database_url: str


@pytest.fixture(scope="module")
def servers(
    embedded_postgres: EmbeddedPostgres,
    embedded_broker: EmbeddedBroker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Server]]:
    """Each service once for the module, ``python -m <service> serve`` on a free port.

    All start together: most of a start is importing the app in the supervisor and in each
    worker, and that is better spent in parallel.
    """
    logs = tmp_path_factory.mktemp("servers")
    children: dict[str, ChildProcess] = {}
    started: dict[str, Server] = {}
    databases: list[str] = []
    try:
        for service in RACES:
            database = f"{service}_tcp_{uuid.uuid4().hex[:8]}"
            embedded_postgres.create_database(database)
            databases.append(database)
            database_url = embedded_postgres.url(database)
            migrate(service, database_url)
            port = free_port()
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "KAFKA_BOOTSTRAP_SERVERS": embedded_broker.bootstrap_servers,
                "KAFKA_ENABLE_IDEMPOTENCE": "false",
                # The races are about the API and its database; no relay or consumers needed.
                "RUN_WORKERS": "false",
                "ENVIRONMENT": "test",
                "LOG_LEVEL": "WARNING",
                "LOG_JSON": "false",
            }
            argv = [sys.executable, "-m", service, "serve", "--host", LOCALHOST]
            argv += ["--port", str(port), "--workers", str(SERVER_WORKERS)]
            child = ChildProcess(
                f"{service}-tcp",
                argv,
                log_path=Path(logs) / f"{service}.log",
                env=env,
                cwd=find_repo_root(),
            )
            child.start()
            children[service] = child
            started[service] = Server(url=f"http://{LOCALHOST}:{port}", database_url=database_url)
        for service, child in children.items():
            _wait_until_serving(child, started[service].url)
            # The point of this half: separate worker processes, each with its own pool.
            assert child.pid is not None
            workers = psutil.Process(child.pid).children()
            assert len(workers) >= SERVER_WORKERS, f"{service}: {len(workers)} worker processes"
        yield started
    finally:
        for child in children.values():
            child.stop(timeout=15)
        for database in databases:
            with contextlib.suppress(Exception):
                embedded_postgres.drop_database(database)


def _wait_until_serving(child: ChildProcess, url: str) -> None:
    # Waiting for start-up, not timing anything: the deadline only bounds a broken start.
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if not child.is_running():
            raise AssertionError(f"the server exited:\n{child.log_tail(30)}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server did not answer within {SERVER_START_SECONDS}s")


@pytest.mark.parametrize(("service", "race"), CASES)
async def test_race_over_tcp(service: str, race, servers) -> None:
    server = servers[service]
    limits = httpx.Limits(max_connections=N, max_keepalive_connections=N)
    db = Database(server.database_url, pool_size=2)
    try:
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=120) as client:
            await _warm_up(service, client)
            await race(Target(client, db))
    finally:
        await db.dispose()
