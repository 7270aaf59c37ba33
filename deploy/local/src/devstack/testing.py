"""pytest fixtures over the embedded stack: real PostgreSQL, real broker, real service apps.

Loaded by the root conftest (``pytest_plugins = ["devstack.testing"]``). One PostgreSQL and one
broker serve the whole run; every test that needs a database gets a fresh one, and every
service app started here gets its own consumer group, so tests never see each other's state.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from devstack.broker import EmbeddedBroker
from devstack.paths import find_repo_root
from devstack.postgres import EmbeddedPostgres
from devstack.tokens import ALL_SCOPES as DEVSTACK_SCOPES
from shared.http.auth import mint_development_token
from shared.migrations import upgrade_to_head
from shared.settings import DEVELOPMENT_JWT_SECRET

SERVICES = ("standards", "appraisal", "talent", "ned")
# Every scope the platform knows (one list, kept in devstack.tokens).
ALL_SCOPES = " ".join(DEVSTACK_SCOPES)
SERVICE_TOPICS = [f"leadership.{name}" for name in SERVICES]


@pytest.fixture(scope="session")
def embedded_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    base = tmp_path_factory.mktemp("postgres")
    server = EmbeddedPostgres(base / "pgdata", log_path=base / "postgres.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def embedded_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    base = tmp_path_factory.mktemp("broker")
    broker = EmbeddedBroker(log_path=base / "broker.log")
    broker.start()
    broker.create_topics(SERVICE_TOPICS, partitions=3)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def pg_database_url(embedded_postgres: EmbeddedPostgres) -> Iterator[str]:
    """An async SQLAlchemy URL to a fresh, empty database, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    embedded_postgres.create_database(name)
    try:
        yield embedded_postgres.url(name)
    finally:
        with contextlib.suppress(Exception):
            embedded_postgres.drop_database(name)


def token(
    scopes: str = ALL_SCOPES,
    *,
    org: str | None = None,
    region: str | None = None,
    subject: str = "tester",
    ttl_seconds: int = 3600,
) -> str:
    return mint_development_token(
        secret=DEVELOPMENT_JWT_SECRET,
        subject=subject,
        scopes=scopes.split(),
        org=org,
        region=region,
        ttl_seconds=ttl_seconds,
    )


def auth(scopes: str = ALL_SCOPES, **kwargs: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(scopes, **kwargs)}"}


@dataclass
class RunningService:
    name: str
    app: FastAPI
    client: httpx.AsyncClient
    database_url: str
    settings: Any

    @property
    def db(self) -> Any:
        return self.app.state.db


def migrations_dir(service: str) -> Path:
    return find_repo_root() / "services" / service / "migrations"


def migrate(service: str, database_url: str) -> None:
    upgrade_to_head(
        service_name=service, migrations_dir=migrations_dir(service), database_url=database_url
    )


@contextlib.asynccontextmanager
async def run_service(
    service: str,
    *,
    postgres: EmbeddedPostgres,
    broker: EmbeddedBroker | None,
    run_workers: bool = False,
    database_url: str | None = None,
    **overrides: Any,
) -> AsyncIterator[RunningService]:
    """Start a service app (lifespan included) on a fresh migrated database."""
    created: str | None = None
    if database_url is None:
        created = f"{service}_{uuid.uuid4().hex[:10]}"
        postgres.create_database(created)
        database_url = postgres.url(created)
    await asyncio.to_thread(migrate, service, database_url)
    settings_module = importlib.import_module(f"{service}.settings")
    main_module = importlib.import_module(f"{service}.main")
    settings = settings_module.Settings(
        environment="test",
        database_url=database_url,
        kafka_bootstrap_servers=broker.bootstrap_servers if broker else "127.0.0.1:1",
        kafka_enable_idempotence=False,
        run_workers=run_workers,
        consumer_group=f"{service}-{uuid.uuid4().hex[:8]}",
        log_json=False,
        outbox_poll_interval_seconds=0.2,
        kafka_session_timeout_ms=2_000,
        kafka_heartbeat_interval_ms=300,
        **overrides,
    )
    app: FastAPI = main_module.create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url=f"http://{service}"
            ) as client:
                yield RunningService(service, app, client, database_url, settings)
    finally:
        if created is not None:
            with contextlib.suppress(Exception):
                postgres.drop_database(created)


@pytest.fixture
def start_service(
    embedded_postgres: EmbeddedPostgres, embedded_broker: EmbeddedBroker
) -> Callable[..., contextlib.AbstractAsyncContextManager[RunningService]]:
    """``async with start_service("talent", run_workers=True) as talent: ...``"""

    def factory(
        service: str, **kwargs: Any
    ) -> contextlib.AbstractAsyncContextManager[RunningService]:
        return run_service(service, postgres=embedded_postgres, broker=embedded_broker, **kwargs)

    return factory


async def eventually(
    check: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.05
) -> Any:
    """Poll an async or sync check until it returns a truthy value; fail with its last value."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while True:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")
        await asyncio.sleep(interval)
