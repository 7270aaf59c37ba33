"""Keyset pagination: cursors round-trip, garbage cursors are 422, pages cover a table once."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Column, Date, DateTime, Integer, MetaData, String, Table, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import UUID

from shared.db import Database
from shared.http.pagination import (
    MAX_LIMIT,
    Page,
    PageParams,
    PageQuery,
    decode_cursor,
    encode_cursor,
    make_page,
    paginate,
)
from shared.http.problems import PROBLEM_MEDIA_TYPE, ProblemError, install_problem_handlers

metadata = MetaData()
people = Table(
    "pagination_people",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", String, nullable=False),
    Column("band", Integer, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


class PersonOut(BaseModel):
    id: uuid.UUID
    name: str


@pytest.mark.parametrize(
    "key",
    [
        ("Smith", uuid.UUID("9b2f3c1e-2d4a-4c55-9a7e-1f0e8d7c6b5a")),
        (7, 12345),
        (date(2024, 4, 1), uuid.uuid4()),
        (datetime(2024, 4, 1, 9, 30, tzinfo=UTC), uuid.uuid4()),
        ("ünïcødé ✓", "text-id"),
    ],
)
def test_cursor_round_trip(key: tuple[Any, Any]) -> None:
    cursor = encode_cursor(*key)
    assert "=" not in cursor and "+" not in cursor and "/" not in cursor
    decoded = decode_cursor(cursor)
    params = PageParams(limit=10, cursor=cursor)
    assert params.after == decoded
    expected = tuple(value.isoformat() if isinstance(value, date) else value for value in key)
    assert decoded[0] == expected[0]
    assert str(decoded[1]) == str(expected[1])


def test_cursor_rejects_unpageable_keys() -> None:
    with pytest.raises(TypeError):
        encode_cursor(None, 1)
    with pytest.raises(TypeError):
        encode_cursor(True, 1)


def raw_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!not-base64!!!",
        "a",
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
        raw_cursor({"k": 1}),
        raw_cursor([1]),
        raw_cursor([1, 2, 3]),
        raw_cursor([None, 1]),
        raw_cursor([True, 1]),
        raw_cursor([[1], 2]),
        raw_cursor([1.5, 2]),
        "x" * 1025,
    ],
)
def test_garbage_cursors_are_a_422_problem(cursor: str) -> None:
    with pytest.raises(ProblemError) as caught:
        PageParams(limit=10, cursor=cursor)
    assert caught.value.status == 422
    assert caught.value.extra["errors"][0]["path"] == "query.cursor"


def test_paginate_builds_a_row_comparison() -> None:
    params = PageParams(limit=25, cursor=encode_cursor("Smith", uuid.uuid4()))
    stmt = paginate(select(people), sort_column=people.c.name, id_column=people.c.id, params=params)
    sql = str(stmt.compile(dialect=postgresql.dialect()))
    assert "(pagination_people.name, pagination_people.id) > (" in sql
    assert "ORDER BY pagination_people.name ASC, pagination_people.id ASC" in sql
    assert "LIMIT" in sql
    assert 26 in stmt.compile(dialect=postgresql.dialect()).params.values()
    descending = paginate(
        select(people),
        sort_column=people.c.name,
        id_column=people.c.id,
        params=params,
        descending=True,
    )
    sql = str(descending.compile(dialect=postgresql.dialect()))
    assert ") < (" in sql and "pagination_people.name DESC" in sql


@pytest.mark.parametrize(
    ("column", "cursor"),
    [
        (people.c.band, encode_cursor("seven", uuid.uuid4())),  # text for an integer column
        (people.c.start_date, encode_cursor("2024-13-45", uuid.uuid4())),
        (people.c.updated_at, encode_cursor("2024-04-01T09:30:00", uuid.uuid4())),  # naive
        (people.c.name, encode_cursor("Smith", "not-a-uuid")),  # bad id
        (people.c.name, encode_cursor(12, uuid.uuid4())),  # int for a text column
    ],
)
def test_cursor_of_the_wrong_type_for_the_column_is_422(column: Any, cursor: str) -> None:
    params = PageParams(limit=10, cursor=cursor)
    with pytest.raises(ProblemError) as caught:
        paginate(select(people), sort_column=column, id_column=people.c.id, params=params)
    assert caught.value.status == 422


def test_make_page() -> None:
    rows = [(f"name-{i}", i) for i in range(4)]
    page = make_page(rows, PageParams(limit=3), key_fn=lambda row: row)
    assert page.items == rows[:3]
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor) == ("name-2", 2)
    last = make_page(rows[:3], PageParams(limit=3), key_fn=lambda row: row)
    assert last.next_cursor is None
    converted = make_page(rows, PageParams(limit=2), key_fn=lambda row: row, item=lambda r: r[0])
    assert converted.items == ["name-0", "name-1"]
    assert make_page([], PageParams(), key_fn=lambda row: row).model_dump() == {
        "items": [],
        "next_cursor": None,
    }


# --- over HTTP and a real database ------------------------------------------------------------


def build_app(db: Database) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/people", response_model=Page[PersonOut])
    async def list_people(page: PageQuery) -> Page[PersonOut]:
        stmt = paginate(
            select(people), sort_column=people.c.name, id_column=people.c.id, params=page
        )
        async with db.session() as session:
            rows = (await session.execute(stmt)).all()
        return make_page(
            rows,
            page,
            key_fn=lambda row: (row.name, row.id),
            item=lambda row: PersonOut(id=row.id, name=row.name),
        )

    return app


@pytest.fixture
async def db(pg_database_url: str) -> AsyncIterator[Database]:
    database = Database(pg_database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        # Repeated names: the id must break ties or pages would skip or repeat rows.
        await conn.execute(
            insert(people),
            [
                {
                    "id": uuid.uuid4(),
                    "name": f"person-{i % 7:02d}",
                    "band": i % 9,
                    "start_date": date(2020, 1, 1 + i % 28),
                    "updated_at": datetime(2024, 1, 1, tzinfo=UTC),
                }
                for i in range(53)
            ],
        )
    try:
        yield database
    finally:
        await database.dispose()


async def test_pages_cover_every_row_exactly_once(db: Database) -> None:
    transport = httpx.ASGITransport(app=build_app(db))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        seen: list[tuple[str, str]] = []
        cursor: str | None = None
        pages = 0
        while True:
            params = {"limit": "10"} | ({"cursor": cursor} if cursor else {})
            response = await client.get("/people", params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            seen.extend((item["name"], item["id"]) for item in body["items"])
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert pages == 6
        assert len(seen) == 53 and len(set(seen)) == 53
        assert seen == sorted(seen, key=lambda item: (item[0], uuid.UUID(item[1])))


async def test_bad_paging_input_over_http(db: Database) -> None:
    transport = httpx.ASGITransport(app=build_app(db))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for params in (
            {"limit": "0"},
            {"limit": str(MAX_LIMIT + 1)},
            {"limit": "ten"},
            {"cursor": "garbage!"},
            {"cursor": encode_cursor(5, uuid.uuid4())},
            {"cursor": encode_cursor("person-01", "not-a-uuid")},
        ):
            response = await client.get("/people", params=params)
            assert response.status_code == 422, (params, response.text)
            assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        response = await client.get("/people")
        assert response.status_code == 200
        assert len(response.json()["items"]) == 50
