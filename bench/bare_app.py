"""The baseline for the HTTP benchmark: a bare FastAPI app doing the same database work as a
service endpoint, without the platform's layers (no token check, no problem handlers, no
middleware, no ORM, no idempotency): one asyncpg pool, one read by primary key, one write of a
row plus an outbox row and a NOTIFY in one transaction.

Run: ``BARE_DATABASE_URL=postgresql://... uvicorn bench.bare_app:create_app --factory``.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel, Field

SEEDED_ROWS = 1_000


class RecordIn(BaseModel):
    person_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,20}$")
    programme_code: str = Field(max_length=64)
    completed_at: str


def create_app() -> FastAPI:
    dsn = os.environ["BARE_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://", 1)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
        async with pool.acquire() as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS bare_records (id uuid PRIMARY KEY, person_id text "
                "NOT NULL, programme_code text NOT NULL, completed_at text NOT NULL, "
                "created_at timestamptz NOT NULL DEFAULT now())"
            )
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS bare_outbox (seq bigint GENERATED ALWAYS AS "
                "IDENTITY PRIMARY KEY, id uuid NOT NULL, payload jsonb NOT NULL, "
                "created_at timestamptz NOT NULL DEFAULT now())"
            )
            if not await conn.fetchval("SELECT count(*) FROM bare_records"):
                await conn.executemany(
                    "INSERT INTO bare_records (id, person_id, programme_code, completed_at) "
                    "VALUES ($1, $2, 'NLA-MARY-SEACOLE', '2026-01-01T00:00:00Z')",
                    [(uuid.UUID(int=n + 1), f"{10_000_000 + n}") for n in range(SEEDED_ROWS)],
                )
        app.state.pool = pool
        try:
            yield
        finally:
            await pool.close()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/records/{record_id}")
    async def read(record_id: uuid.UUID, request: Request) -> dict[str, Any]:
        row = await request.app.state.pool.fetchrow(
            "SELECT id, person_id, programme_code, completed_at, created_at FROM bare_records "
            "WHERE id = $1",
            record_id,
        )
        if row is None:
            raise HTTPException(404)
        return dict(row)

    @app.post("/records", status_code=201)
    async def write(body: RecordIn, request: Request) -> dict[str, Any]:
        record_id = uuid.uuid4()
        async with request.app.state.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO bare_records (id, person_id, programme_code, completed_at) "
                "VALUES ($1, $2, $3, $4)",
                record_id,
                body.person_id,
                body.programme_code,
                body.completed_at,
            )
            await conn.execute(
                "INSERT INTO bare_outbox (id, payload) VALUES ($1, $2::jsonb)",
                uuid.uuid4(),
                json.dumps({"record_id": str(record_id), **body.model_dump()}),
            )
            await conn.execute("SELECT pg_notify('bare_outbox', '')")
        return {"id": str(record_id), **body.model_dump()}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
