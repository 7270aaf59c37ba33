"""The service application factory: the same skeleton under every service.

Everything stateful (engine, token verifier, relay, consumers) is created in the lifespan, so
importing a service never connects anywhere, and a test can build as many apps as it likes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.events.consumer import EventConsumer
from shared.events.relay import OutboxRelay
from shared.http.auth import TokenVerifier, get_principal
from shared.http.problems import PROBLEM_RESPONSES, install_problem_handlers
from shared.observability import (
    RequestContextMiddleware,
    add_health_routes,
    configure_logging,
)
from shared.settings import ServiceSettings
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)

ConsumerFactory = Callable[[Database, ServiceSettings], Sequence[EventConsumer]]
WORKER_STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    title: str
    description: str
    routers: Sequence[APIRouter]
    consumers: ConsumerFactory = field(default=lambda db, settings: ())
    version: str = "0.1.0"


def _operation_id(route: APIRoute) -> str:
    # Clean, stable operation ids (the function name) for generated clients and fuzzers.
    return route.name


def create_service_app(definition: ServiceDefinition, settings: ServiceSettings) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings)
        db = Database(
            settings.database_url,
            pool_size=settings.database_pool_size,
            echo=settings.database_echo,
        )
        app.state.db = db
        app.state.token_verifier = TokenVerifier(settings)
        stop = asyncio.Event()
        workers: list[asyncio.Task[None]] = []
        app.state.relay = None
        app.state.consumers = []
        if settings.run_workers:
            relay = OutboxRelay(db=db, settings=settings)
            consumers = list(definition.consumers(db, settings))
            app.state.relay = relay
            app.state.consumers = consumers
            workers.append(asyncio.create_task(relay.run(stop), name=f"{definition.name}-relay"))
            workers.extend(
                asyncio.create_task(c.run(stop), name=f"{definition.name}-{c.group_id}")
                for c in consumers
            )
        log.info("service started", extra={"service": definition.name, "workers": len(workers)})
        try:
            yield
        finally:
            stop.set()
            if workers:
                _, pending = await asyncio.wait(workers, timeout=WORKER_STOP_TIMEOUT_SECONDS)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
            await db.dispose()
            log.info("service stopped", extra={"service": definition.name})

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version=definition.version,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        responses=PROBLEM_RESPONSES,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service_name=definition.name)
    for router in definition.routers:
        # Authenticate before anything else about the request is checked: without a valid token
        # the answer is 401, never a 422 or 428 that a parameter dependency raised first. Routes
        # resolve the principal again for their scopes; FastAPI caches it per request.
        app.include_router(router, dependencies=[Depends(get_principal)])
    add_health_routes(
        app,
        readiness_checks={
            "database": lambda: _db_ready(app),
            "broker": lambda: _broker_ready(settings),
        },
    )
    return app


async def _db_ready(app: FastAPI) -> bool:
    db: Database | None = getattr(app.state, "db", None)
    return db is not None and await db.ping()


async def _broker_ready(settings: ServiceSettings) -> bool:
    """Can we open a TCP connection to one bootstrap server? Cheap enough for a probe."""
    for server in settings.kafka_bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), 1.0)
        except (OSError, ValueError, TimeoutError):
            continue
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
        return True
    return False


# ---- request-scoped dependencies every router uses -----------------------------------------


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_settings(request: Request) -> ServiceSettings:
    settings: ServiceSettings = request.app.state.settings
    return settings


# Reads answer from one snapshot: under READ COMMITTED each statement of a read that assembles
# its answer from several queries (a resource and its children, a page and its count, a version
# and the content it versions) could see a different commit, and pair an old ETag with new
# content.
SNAPSHOT_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_database(request).session() as session:
        if request.method in SNAPSHOT_METHODS:
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield session


async def get_unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    settings = get_settings(request)
    async with UnitOfWork(
        get_database(request),
        service_name=settings.service_name,
        traceparent=request.headers.get("traceparent"),
    ) as uow:
        yield uow


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work)]

ReadinessCheck = Callable[[], Awaitable[bool]]
