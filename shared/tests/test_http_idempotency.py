"""Idempotency-Key: a retry replays the first response, and racing twins create one resource."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import Column, MetaData, String, Table, func, select, update
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.http.auth import CurrentPrincipal, TokenVerifier, mint_development_token
from shared.http.idempotency import (
    REPLAYED_HEADER,
    IdempotencyKeyHeader,
    is_idempotency_conflict,
    purge_idempotency_keys,
    remember,
    replay,
    run_idempotent,
    run_idempotent_in,
)
from shared.http.problems import PROBLEM_MEDIA_TYPE, Conflict, install_problem_handlers
from shared.settings import Environment, ServiceSettings
from shared.tables import idempotency_keys

SECRET = "idempotency-test-secret-long-enough-for-hs256-0123456789"

metadata = MetaData()
things = Table(
    "idempotency_things",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", String, nullable=False),
)


class ThingIn(BaseModel):
    name: str = Field(min_length=1)


class ThingOut(BaseModel):
    id: uuid.UUID
    name: str


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


DatabaseDep = Annotated[Database, Depends(get_db)]


def build_app(db: Database) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.db = db
    app.state.token_verifier = TokenVerifier(
        ServiceSettings(service_name="idem", environment=Environment.TEST, jwt_secret=SECRET)
    )

    @app.post("/things", status_code=201, response_model=ThingOut)
    async def create_thing(
        body: ThingIn,
        request: Request,
        principal: CurrentPrincipal,
        db: DatabaseDep,
        key: IdempotencyKeyHeader,
    ) -> Response:
        async def create(session: AsyncSession) -> tuple[int, Any, dict[str, str]]:
            if body.name == "taken":
                raise Conflict("that name is taken")
            thing_id = uuid.uuid4()
            await session.execute(things.insert().values(id=thing_id, name=body.name))
            # Widen the race window: twins must overlap while the first is still open.
            await asyncio.sleep(0.05)
            return 201, ThingOut(id=thing_id, name=body.name), {"Location": f"/things/{thing_id}"}

        return await run_idempotent(db, request, principal, create, key=key)

    @app.post("/unit-things", status_code=201, response_model=ThingOut)
    async def create_thing_in_unit(
        body: ThingIn,
        request: Request,
        principal: CurrentPrincipal,
        db: DatabaseDep,
        key: IdempotencyKeyHeader,
    ) -> Response:
        # As a unit of work does: the route opens the transaction and owns the commit.
        async with db.session() as session, session.begin():

            async def create() -> tuple[int, Any, dict[str, str]]:
                thing_id = uuid.uuid4()
                await session.execute(things.insert().values(id=thing_id, name=body.name))
                await asyncio.sleep(0.05)
                return 201, ThingOut(id=thing_id, name=body.name), {}

            return await run_idempotent_in(
                session, request, principal, create, commit=session.commit, key=key
            )

    return app


@pytest.fixture
async def db(pg_database_url: str) -> AsyncIterator[Database]:
    database = Database(pg_database_url, pool_size=10)
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.run_sync(lambda sync: idempotency_keys.create(sync, checkfirst=True))
    try:
        yield database
    finally:
        await database.dispose()


def auth(subject: str = "hr-system-1") -> dict[str, str]:
    token = mint_development_token(secret=SECRET, subject=subject, scopes=["things:write"])
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def client(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(db))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def count(db: Database, table: Any = things) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


PATHS = pytest.mark.parametrize("path", ["/things", "/unit-things"])


@PATHS
async def test_a_retry_replays_the_first_response(
    client: httpx.AsyncClient, db: Database, path: str
) -> None:
    headers = auth() | {"Idempotency-Key": "create-thing-1"}
    first = await client.post(path, json={"name": "alpha"}, headers=headers)
    assert first.status_code == 201
    assert REPLAYED_HEADER.lower() not in first.headers
    again = await client.post(path, json={"name": "alpha"}, headers=headers)
    assert again.status_code == 201
    assert again.headers[REPLAYED_HEADER.lower()] == "true"
    assert again.json() == first.json()
    assert again.headers.get("location") == first.headers.get("location")
    assert again.headers["content-type"] == "application/json"
    assert await count(db) == 1


@PATHS
async def test_same_key_different_body_is_422(
    client: httpx.AsyncClient, db: Database, path: str
) -> None:
    headers = auth() | {"Idempotency-Key": "create-thing-2"}
    assert (await client.post(path, json={"name": "a"}, headers=headers)).status_code == 201
    response = await client.post(path, json={"name": "b"}, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["type"].endswith("/idempotency-key-reused")
    assert body["errors"][0]["path"] == "header.Idempotency-Key"
    assert await count(db) == 1


async def test_keys_belong_to_their_principal(client: httpx.AsyncClient, db: Database) -> None:
    key = {"Idempotency-Key": "shared-key"}
    one = await client.post("/things", json={"name": "a"}, headers=auth("one") | key)
    two = await client.post("/things", json={"name": "a"}, headers=auth("two") | key)
    assert one.status_code == two.status_code == 201
    assert one.json()["id"] != two.json()["id"]
    assert await count(db) == 2


@PATHS
async def test_without_a_key_every_post_creates(
    client: httpx.AsyncClient, db: Database, path: str
) -> None:
    for _ in range(2):
        response = await client.post(path, json={"name": "a"}, headers=auth())
        assert response.status_code == 201
    assert await count(db) == 2
    assert await count(db, idempotency_keys) == 0


@pytest.mark.parametrize(
    "key", ["", " leading", "x" * 256, "tab\there", "\xfcn\xef".encode("latin-1")]
)
async def test_invalid_keys_are_422(client: httpx.AsyncClient, key: str | bytes) -> None:
    headers = auth() | {"Idempotency-Key": key}
    response = await client.post("/things", json={"name": "a"}, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["errors"][0]["path"] == "header.Idempotency-Key"


async def test_a_failed_operation_stores_nothing(client: httpx.AsyncClient, db: Database) -> None:
    headers = auth() | {"Idempotency-Key": "will-fail"}
    failed = await client.post("/things", json={"name": "taken"}, headers=headers)
    assert failed.status_code == 409
    assert await count(db, idempotency_keys) == 0
    # The error is not replayed: the same key may be used once the cause is fixed.
    again = await client.post("/things", json={"name": "taken"}, headers=headers)
    assert again.status_code == 409
    assert REPLAYED_HEADER.lower() not in again.headers


@PATHS
async def test_concurrent_identical_requests_create_exactly_one(
    client: httpx.AsyncClient, db: Database, path: str
) -> None:
    headers = auth() | {"Idempotency-Key": f"burst-{uuid.uuid4()}"}
    responses = await asyncio.gather(
        *(client.post(path, json={"name": "burst"}, headers=headers) for _ in range(50))
    )
    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["id"] for response in responses}) == 1
    assert sum(REPLAYED_HEADER.lower() not in r.headers for r in responses) == 1
    assert await count(db) == 1
    assert await count(db, idempotency_keys) == 1


async def test_remember_and_replay_in_the_callers_transaction(db: Database) -> None:
    fingerprint = "POST /things sha256:abc"
    async with db.session() as session, session.begin():
        assert await replay(session, principal="p", key="k", fingerprint=fingerprint) is None
        await remember(
            session,
            principal="p",
            key="k",
            fingerprint=fingerprint,
            status_code=202,
            body=b'{"ok":true}',
            headers={"Location": "/jobs/1"},
        )
    async with db.session() as session:
        response = await replay(session, principal="p", key="k", fingerprint=fingerprint)
    assert response is not None
    assert response.status_code == 202
    assert bytes(response.body) == b'{"ok":true}'
    assert response.headers["location"] == "/jobs/1"
    assert response.headers[REPLAYED_HEADER] == "true"
    # A twin that remembers the same key fails at the primary key, recognisably.
    with pytest.raises(IntegrityError) as caught:
        async with db.session() as session, session.begin():
            await remember(
                session,
                principal="p",
                key="k",
                fingerprint=fingerprint,
                status_code=202,
                body=b"{}",
                headers={},
            )
    assert is_idempotency_conflict(caught.value)


async def test_purge_removes_only_expired_rows(client: httpx.AsyncClient, db: Database) -> None:
    for key in ("old", "new"):
        headers = auth() | {"Idempotency-Key": key}
        assert (
            await client.post("/things", json={"name": key}, headers=headers)
        ).status_code == 201
    async with db.session() as session, session.begin():
        await session.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.key == "old")
            .values(created_at=func.now() - func.make_interval(0, 0, 0, 2))
        )
    async with db.session() as session, session.begin():
        assert await purge_idempotency_keys(session, retention_hours=24) == 1
    async with db.session() as session:
        keys = (await session.scalars(select(idempotency_keys.c.key))).all()
    assert keys == ["new"]
