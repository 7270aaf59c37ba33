"""Keyset pagination for every list endpoint (ARCHITECTURE §4): ``?limit=&cursor=``.

A page is ordered by ``(sort_key, id)`` and the cursor names the last row of the previous page,
so each page is one index range scan however deep the client goes, and rows inserted meanwhile
neither repeat nor vanish (which OFFSET cannot promise).

    @router.get("/v1/things", response_model=Page[ThingOut])
    async def list_things(page: PageQuery, session: SessionDep) -> Page[ThingOut]:
        stmt = paginate(select(Thing), sort_column=Thing.name, id_column=Thing.id, params=page)
        rows = (await session.scalars(stmt)).all()
        return make_page(rows, page, key_fn=lambda t: (t.name, t.id), item=ThingOut.model_validate)

The cursor is URL-safe base64 of the JSON ``[sort_key, id]``. It is not signed: it only says
where to resume inside results the caller may already see (reach is applied by the query), so a
forged cursor reveals nothing. It is validated strictly instead, first as JSON and then against
the types of the two columns, so a tampered or garbage cursor is a 422 problem and never reaches
the database as a value of the wrong type.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar, overload

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, literal, tuple_
from sqlalchemy.sql.elements import ColumnElement

from shared.http.problems import invalid_input

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Two keys of a few hundred characters at most; a longer cursor was not made by us.
MAX_CURSOR_LENGTH = 1024

CursorKey = tuple[Any, Any]


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Opaque; absent (null) on the last page"
    )


def _bad_cursor(message: str) -> Exception:
    return invalid_input("query.cursor", message, type="cursor_invalid")


def _to_json(value: Any) -> Any:
    # bool is an int subclass; refusing it here keeps a flag column from paging as 0/1.
    if isinstance(value, bool) or value is None:
        raise TypeError(f"cannot page on a {type(value).__name__} key")
    if isinstance(value, str | int):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    raise TypeError(f"cannot page on a {type(value).__name__} key")


def encode_cursor(sort_key: Any, row_id: Any) -> str:
    """The opaque cursor that resumes after the row with this ``(sort_key, id)``."""
    raw = json.dumps([_to_json(sort_key), _to_json(row_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> CursorKey:
    """The JSON values in a cursor; 422 problem for anything we did not produce."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise _bad_cursor("not a cursor from this API")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad_cursor("not a cursor from this API") from None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(part, str | int) and not isinstance(part, bool) for part in value)
    ):
        raise _bad_cursor("not a cursor from this API")
    return value[0], value[1]


@dataclass(frozen=True)
class PageParams:
    """``?limit=&cursor=`` as a dependency: ``page: Annotated[PageParams, Depends()]``.

    The cursor is decoded here, so a garbage one fails before the route runs.
    """

    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = DEFAULT_LIMIT
    cursor: Annotated[
        str | None,
        Query(
            max_length=MAX_CURSOR_LENGTH,
            description="`next_cursor` of the previous page; omit for the first page",
        ),
    ] = None
    after: CursorKey | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.cursor is not None:
            object.__setattr__(self, "after", decode_cursor(self.cursor))


PageQuery = Annotated[PageParams, Depends(PageParams)]


def _coerce(value: Any, column: ColumnElement[Any]) -> Any:
    """A cursor value as the Python type of ``column``; 422 when it cannot be one."""
    try:
        python_type: type[Any] = column.type.python_type
    except NotImplementedError:
        python_type = type(value)
    try:
        if python_type is str and isinstance(value, str):
            return value
        if python_type is int and isinstance(value, int):
            return value
        if python_type is uuid.UUID and isinstance(value, str):
            return uuid.UUID(value)
        if python_type is datetime and isinstance(value, str):
            parsed = datetime.fromisoformat(value)
            if getattr(column.type, "timezone", False) and parsed.tzinfo is None:
                raise ValueError("naive datetime for a timezone-aware column")
            return parsed
        if python_type is date and isinstance(value, str):
            return date.fromisoformat(value)
        if python_type is Decimal and isinstance(value, str | int):
            return Decimal(value)
    except (ValueError, InvalidOperation):
        pass
    raise _bad_cursor("the cursor does not belong to this list")


def paginate(
    stmt: Select[Any],
    *,
    sort_column: ColumnElement[Any] | Any,
    id_column: ColumnElement[Any] | Any,
    params: PageParams,
    descending: bool = False,
) -> Select[Any]:
    """``stmt`` restricted to the page after the cursor, ordered by ``(sort, id)``.

    Fetches ``limit + 1`` rows: the extra one tells `make_page` whether another page follows.
    ``sort_column`` must be NOT NULL (a row comparison with NULL is never true), and an index
    on ``(sort, id)`` makes each page a range scan.
    """
    sort: ColumnElement[Any] = sort_column
    ident: ColumnElement[Any] = id_column
    if params.after is not None:
        key = tuple_(sort, ident)
        after = tuple_(
            literal(_coerce(params.after[0], sort), sort.type),
            literal(_coerce(params.after[1], ident), ident.type),
        )
        stmt = stmt.where(key < after if descending else key > after)
    order = (sort.desc(), ident.desc()) if descending else (sort.asc(), ident.asc())
    return stmt.order_by(*order).limit(params.limit + 1)


@overload
def make_page(
    rows: Sequence[R], params: PageParams, key_fn: Callable[[R], CursorKey]
) -> Page[R]: ...


@overload
def make_page(
    rows: Sequence[R],
    params: PageParams,
    key_fn: Callable[[R], CursorKey],
    *,
    item: Callable[[R], T],
) -> Page[T]: ...


def make_page(
    rows: Sequence[Any],
    params: PageParams,
    key_fn: Callable[[Any], CursorKey],
    *,
    item: Callable[[Any], Any] | None = None,
) -> Page[Any]:
    """The page for rows fetched by a `paginate` query (up to ``limit + 1`` of them).

    ``key_fn`` gives a row's ``(sort_key, id)``; ``item`` converts a row to the API model.
    """
    has_more = len(rows) > params.limit
    shown = list(rows[: params.limit])
    next_cursor = encode_cursor(*key_fn(shown[-1])) if has_more and shown else None
    items = [item(row) for row in shown] if item is not None else shown
    # model_construct: the items are already what the route returns; the response model of
    # the route validates them once more on the way out.
    return Page[Any].model_construct(items=items, next_cursor=next_cursor)
