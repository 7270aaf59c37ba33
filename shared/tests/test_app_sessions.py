"""The request session of the service skeleton: a read answers from one snapshot, so a read made
of several queries never mixes two commits; a write sees each commit as usual."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import APIRouter
from sqlalchemy import text

from devstack.testing import auth
from shared.app import ServiceDefinition, SessionDep, create_service_app
from shared.settings import ServiceSettings

router = APIRouter()
# Each route counts the rows, lets a writer commit one more between its two queries, and
# counts again.
between_queries: asyncio.Queue[None] = asyncio.Queue()
committed: asyncio.Queue[None] = asyncio.Queue()


async def _count_twice(session: Any) -> dict[str, int]:
    first = await session.scalar(text("SELECT count(*) FROM counted"))
    await between_queries.put(None)
    await committed.get()
    second = await session.scalar(text("SELECT count(*) FROM counted"))
    return {"first": first, "second": second}


@router.get("/counts")
async def read_counts(session: SessionDep) -> dict[str, int]:
    return await _count_twice(session)


@router.post("/counts")
async def write_counts(session: SessionDep) -> dict[str, int]:
    return await _count_twice(session)


async def test_a_read_sees_one_snapshot_and_a_write_sees_each_commit(pg_database_url: str) -> None:
    settings = ServiceSettings(
        service_name="sessiontest",
        environment="test",
        database_url=pg_database_url,
        run_workers=False,
        log_json=False,
    )
    app = create_service_app(
        ServiceDefinition(name="sessiontest", title="t", description="t", routers=[router]),
        settings,
    )
    async with app.router.lifespan_context(app):
        db = app.state.db
        async with db.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE counted (n int)"))

        async def writer() -> None:
            await between_queries.get()
            async with db.engine.begin() as conn:
                await conn.execute(text("INSERT INTO counted VALUES (1)"))
            await committed.put(None)

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answers = {}
            for method in ("GET", "POST"):
                task = asyncio.create_task(writer())
                response = await client.request(method, "/counts", headers=auth())
                await task
                assert response.status_code == 200, response.text
                answers[method] = response.json()
    assert answers["GET"] == {"first": 0, "second": 0}
    assert answers["POST"] == {"first": 1, "second": 2}
