"""ETags and If-Match: 428 without, 412 when stale or foreign, and race-free updates."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Response
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, select, update
from sqlalchemy.dialects.postgresql import UUID

from shared.db import Database
from shared.http.etag import (
    IfMatch,
    IfMatchHeader,
    check_version,
    make_etag,
    parse_if_match,
    set_etag,
)
from shared.http.problems import (
    PROBLEM_MEDIA_TYPE,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    install_problem_handlers,
)

THING = uuid.UUID("0b7e4c1a-5d2f-4e8b-9c3a-6f1d2e3b4a5c")


def test_etag_format_is_strong_and_bound_to_the_resource() -> None:
    etag = make_etag(THING, 3)
    assert etag.startswith('"3-') and etag.endswith('"')
    assert make_etag(THING, 3) == etag
    assert make_etag(THING, 4) != etag
    assert make_etag(uuid.uuid4(), 3) != etag
    assert parse_if_match(etag) == IfMatch(etag=etag, version=3)
    assert parse_if_match(f"  {etag} ").version_for(THING) == 3


@pytest.mark.parametrize("value", [None, "", "   ", "*"])
def test_missing_or_wildcard_if_match_is_428(value: str | None) -> None:
    with pytest.raises(PreconditionRequired):
        parse_if_match(value)


@pytest.mark.parametrize(
    "value",
    [
        "3",
        '"3"',
        "W/" + make_etag(THING, 3),  # weak tags never match strongly
        f"{make_etag(THING, 3)}, {make_etag(THING, 4)}",
        '"abc-0123456789abcdef"',
        '"-1-0123456789abcdef"',
        '"99999999999999999999-0123456789abcdef"',
    ],
)
def test_malformed_if_match_is_412(value: str) -> None:
    with pytest.raises(PreconditionFailed):
        parse_if_match(value)


def test_an_etag_of_another_resource_is_412() -> None:
    other = parse_if_match(make_etag(uuid.uuid4(), 3))
    with pytest.raises(PreconditionFailed):
        other.version_for(THING)


def test_check_version() -> None:
    check_version(3, 3)
    check_version(3, parse_if_match(make_etag(THING, 3)))
    with pytest.raises(PreconditionFailed):
        check_version(4, 3)


# --- the documented update pattern over a real database ---------------------------------------

metadata = MetaData()
things = Table(
    "etag_things",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", String, nullable=False),
    Column("version", Integer, nullable=False),
)


class ThingPatch(BaseModel):
    name: str


def build_app(db: Database) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/things/{thing_id}")
    async def read(thing_id: uuid.UUID, response: Response) -> dict[str, Any]:
        async with db.session() as session:
            row = (await session.execute(select(things).where(things.c.id == thing_id))).first()
        if row is None:
            raise NotFound()
        set_etag(response, row.id, row.version)
        return {"id": str(row.id), "name": row.name}

    @app.patch("/things/{thing_id}")
    async def patch(
        thing_id: uuid.UUID, body: ThingPatch, if_match: IfMatchHeader, response: Response
    ) -> dict[str, Any]:
        expected = if_match.version_for(thing_id)
        async with db.session() as session, session.begin():
            row = (
                await session.execute(
                    update(things)
                    .where(things.c.id == thing_id, things.c.version == expected)
                    .values(name=body.name, version=things.c.version + 1)
                    .returning(things.c.id, things.c.name, things.c.version)
                )
            ).first()
            if row is None:
                current = await session.scalar(
                    select(things.c.version).where(things.c.id == thing_id)
                )
                if current is None:
                    raise NotFound()
                check_version(current, expected)
                raise AssertionError("unreachable: the versions differ")
        set_etag(response, row.id, row.version)
        return {"id": str(row.id), "name": row.name}

    return app


@pytest.fixture
async def client(pg_database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    db = Database(pg_database_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(things.insert().values(id=THING, name="first", version=1))
    transport = httpx.ASGITransport(app=build_app(db))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        await db.dispose()


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


async def test_update_needs_the_current_etag(client: httpx.AsyncClient) -> None:
    read = await client.get(f"/things/{THING}")
    etag = read.headers["etag"]
    assert etag == make_etag(THING, 1)

    assert_problem(await client.patch(f"/things/{THING}", json={"name": "x"}), 428)
    star = {"If-Match": "*"}
    assert_problem(await client.patch(f"/things/{THING}", json={"name": "x"}, headers=star), 428)
    junk = {"If-Match": "yesterday"}
    assert_problem(await client.patch(f"/things/{THING}", json={"name": "x"}, headers=junk), 412)

    ok = await client.patch(f"/things/{THING}", json={"name": "second"}, headers={"If-Match": etag})
    assert ok.status_code == 200
    assert ok.headers["etag"] == make_etag(THING, 2)
    stale = await client.patch(
        f"/things/{THING}", json={"name": "lost"}, headers={"If-Match": etag}
    )
    assert_problem(stale, 412)
    assert (await client.get(f"/things/{THING}")).json()["name"] == "second"

    missing = uuid.uuid4()
    response = await client.patch(
        f"/things/{missing}", json={"name": "x"}, headers={"If-Match": make_etag(missing, 1)}
    )
    assert_problem(response, 404)


async def test_concurrent_updates_with_one_etag_let_exactly_one_win(
    client: httpx.AsyncClient,
) -> None:
    etag = (await client.get(f"/things/{THING}")).headers["etag"]
    responses = await asyncio.gather(
        *(
            client.patch(f"/things/{THING}", json={"name": f"w{i}"}, headers={"If-Match": etag})
            for i in range(10)
        )
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [412] * 9
    final = await client.get(f"/things/{THING}")
    assert final.headers["etag"] == make_etag(THING, 2)
