"""``Idempotency-Key`` for POSTs that create something or emit an event (ARCHITECTURE §4).

The first response to ``(principal, key)`` is stored in ``idempotency_keys`` in the same
transaction as what the request created, so either both exist or neither does. A retry with the
same key and the same request gets the stored response again, marked ``Idempotent-Replayed:
true``; the same key with a different request is a 422 problem.

`run_idempotent` does all of it for a create route:

    @router.post("/v1/things", status_code=201, response_model=ThingOut)
    async def create_thing(body: ThingIn, request: Request, principal: ThingWriter,
                           db: DatabaseDep, key: IdempotencyKeyHeader) -> Response:
        async def create(session: AsyncSession) -> tuple[int, Any, dict[str, str]]:
            thing = await thing_service.create(session=session, thing_in=body)
            return 201, ThingOut.model_validate(thing), {"Location": f"/v1/things/{thing.id}"}
        return await run_idempotent(db, request, principal, create, key=key)

Concurrency: the transaction first *claims* the key with ``INSERT ... ON CONFLICT DO NOTHING``.
Of N identical requests racing, one inserts the row; PostgreSQL makes the others' INSERT wait
on that row until the winner commits, after which they insert nothing, read the winner's stored
response and replay it. The losers never run the operation, so the resource and its outbox
events are created exactly once. If the winner fails and rolls back, its claim disappears and
the next waiter runs the operation itself, so an error response is never stored or replayed.
This relies on PostgreSQL's default READ COMMITTED isolation for the claiming transaction.

Inside a transaction the route already opened (a unit of work that also writes the outbox),
`run_idempotent_in` does the same with the caller's session and commit.

For full control, `replay` and `remember` are the two halves:
`remember` is a plain INSERT, so a concurrent twin fails at it with an ``IntegrityError``
(`is_idempotency_conflict` recognises it); roll back, then `replay` in a new transaction.

Stored responses are kept for ``idempotency_retention_hours`` and then purged by
`purge_idempotency_keys`; a retry after that runs again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Final

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from shared.db import Database
from shared.http.auth import Principal
from shared.http.problems import (
    Conflict,
    FieldError,
    UnprocessableEntity,
    invalid_input,
    problem_type,
)
from shared.tables import idempotency_keys

IDEMPOTENCY_KEY_HEADER: Final = "Idempotency-Key"
REPLAYED_HEADER: Final = "Idempotent-Replayed"
MAX_KEY_LENGTH: Final = 255
# Printable ASCII, no leading or trailing space (HTTP would strip it and change the key).
_KEY = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$")
_KEY_PATH: Final = "header.Idempotency-Key"
# A claimed row holds this until the operation's response replaces it in the same transaction;
# no other transaction can ever read it.
_PENDING_STATUS: Final = 0
# Claims that vanish between our INSERT and SELECT (a purge, a rolled-back winner) are retried.
_CLAIM_ATTEMPTS: Final = 3

OperationResult = tuple[int, Any, Mapping[str, str]]
Operation = Callable[[AsyncSession], Awaitable[OperationResult]]


def validate_key(key: str) -> str:
    """The key if it is 1 to 255 printable ASCII characters; 422 problem otherwise."""
    if not _KEY.match(key):
        raise invalid_input(
            _KEY_PATH,
            f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters, e.g. a UUID",
            type="idempotency_key_invalid",
        )
    return key


async def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias=IDEMPOTENCY_KEY_HEADER,
            description="A unique value (e.g. a UUID) per intended operation; a retry with "
            "the same key returns the first response instead of acting twice.",
            # Documents what `validate_key` enforces, which it does with its own 422 problem.
            json_schema_extra={
                "minLength": 1,
                "maxLength": MAX_KEY_LENGTH,
                "pattern": _KEY.pattern,
            },
        ),
    ] = None,
) -> str | None:
    return None if key is None else validate_key(key)


# Declaring it on a route both validates the header and documents it in OpenAPI.
IdempotencyKeyHeader = Annotated[str | None, Depends(idempotency_key)]


async def request_fingerprint(request: Request, *, body: bytes | None = None) -> str:
    """Method, path (with query) and the SHA-256 of the raw body: what "the same request" means.

    The body is compared byte for byte: a client retrying sends the same bytes. A route that
    has already streamed the body itself (to cap its size, say) passes it in as `body`.
    """
    if body is None:
        body = await request.body()
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{request.method} {target} sha256:{hashlib.sha256(body).hexdigest()}"


def _owner(principal: Principal | str) -> str:
    # Keys are per caller: two clients choosing the same UUID-ish key must not collide.
    return principal.subject if isinstance(principal, Principal) else principal


@dataclass(frozen=True, slots=True)
class StoredResponse:
    fingerprint: str
    status_code: int
    body: bytes
    headers: dict[str, str]

    def to_response(self) -> Response:
        headers = {**self.headers, REPLAYED_HEADER: "true"}
        return Response(
            content=self.body,
            status_code=self.status_code,
            headers=headers,
            media_type="application/json",
        )


def render_body(body: Any) -> bytes:
    """JSON bytes as FastAPI's JSONResponse would render them."""
    if isinstance(body, bytes):
        return body
    return json.dumps(
        jsonable_encoder(body), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode("utf-8")


async def _load(session: AsyncSession, owner: str, key: str) -> StoredResponse | None:
    row = (
        await session.execute(
            select(
                idempotency_keys.c.fingerprint,
                idempotency_keys.c.status_code,
                idempotency_keys.c.response_body,
                idempotency_keys.c.response_headers,
            ).where(idempotency_keys.c.principal == owner, idempotency_keys.c.key == key)
        )
    ).one_or_none()
    if row is None:
        return None
    return StoredResponse(
        fingerprint=row.fingerprint,
        status_code=row.status_code,
        body=row.response_body,
        headers=dict(row.response_headers),
    )


def _key_reused() -> UnprocessableEntity:
    return UnprocessableEntity(
        "This Idempotency-Key was already used for a different request",
        type=problem_type("idempotency-key-reused"),
        errors=[
            FieldError(
                path=_KEY_PATH,
                message="already used with a different method, path or body",
                type="idempotency_key_reused",
            )
        ],
    )


def _replayed(stored: StoredResponse, fingerprint: str) -> Response:
    if stored.fingerprint != fingerprint:
        raise _key_reused()
    return stored.to_response()


async def replay(
    session: AsyncSession, *, principal: Principal | str, key: str, fingerprint: str
) -> Response | None:
    """The stored response for this key (marked replayed), ``None`` if there is none.

    422 problem when the key was used for a different request.
    """
    stored = await _load(session, _owner(principal), key)
    if stored is None or stored.status_code == _PENDING_STATUS:
        return None
    return _replayed(stored, fingerprint)


async def remember(
    session: AsyncSession,
    *,
    principal: Principal | str,
    key: str,
    fingerprint: str,
    status_code: int,
    body: bytes,
    headers: Mapping[str, str],
) -> None:
    """Store the response in the caller's transaction; a concurrent twin raises IntegrityError."""
    await session.execute(
        idempotency_keys.insert().values(
            principal=_owner(principal),
            key=key,
            fingerprint=fingerprint,
            status_code=status_code,
            response_body=body,
            response_headers=dict(headers),
        )
    )


def is_idempotency_conflict(exc: IntegrityError) -> bool:
    """Did this IntegrityError come from a duplicate idempotency key?"""
    constraint = getattr(getattr(exc.orig, "__cause__", None), "constraint_name", None)
    if constraint is None:
        constraint = getattr(exc.orig, "constraint_name", None)
    if constraint is not None:
        return str(constraint) == "pk_idempotency_keys"
    return "pk_idempotency_keys" in str(exc.orig)


async def _claim(session: AsyncSession, owner: str, key: str, fingerprint: str) -> bool:
    claimed = await session.execute(
        insert(idempotency_keys)
        .values(
            principal=owner,
            key=key,
            fingerprint=fingerprint,
            status_code=_PENDING_STATUS,
            response_body=b"",
            response_headers={},
        )
        .on_conflict_do_nothing(index_elements=["principal", "key"])
        .returning(idempotency_keys.c.key)
    )
    return claimed.first() is not None


def _response(status_code: int, body: bytes, headers: Mapping[str, str]) -> Response:
    return Response(
        content=body, status_code=status_code, headers=dict(headers), media_type="application/json"
    )


async def _claim_and_run(
    session: AsyncSession,
    owner: str,
    key: str,
    fingerprint: str,
    run: Callable[[], Awaitable[OperationResult]],
) -> Response | StoredResponse | None:
    """Inside an open transaction: our fresh response, the twin's stored one, or ``None`` if
    the twin's row vanished between our INSERT and SELECT (purged meanwhile)."""
    if not await _claim(session, owner, key, fingerprint):
        # Our INSERT waited for the twin holding the key to commit; its row is visible to this
        # next statement (READ COMMITTED takes a new snapshot per statement).
        return await _load(session, owner, key)
    status_code, body, headers = await run()
    rendered = render_body(body)
    await session.execute(
        update(idempotency_keys)
        .where(idempotency_keys.c.principal == owner, idempotency_keys.c.key == key)
        .values(status_code=status_code, response_body=rendered, response_headers=dict(headers))
    )
    return _response(status_code, rendered, headers)


def _resolve_key(request: Request, key: str | None) -> str | None:
    if key is not None:
        return key
    header = request.headers.get(IDEMPOTENCY_KEY_HEADER)
    return None if header is None else validate_key(header)


async def run_idempotent(
    db: Database,
    request: Request,
    principal: Principal | str,
    operation: Operation,
    *,
    key: str | None = None,
) -> Response:
    """Run ``operation`` in one transaction, at most once per ``(principal, Idempotency-Key)``.

    ``operation(session)`` does the work inside the open transaction (and adds its outbox rows
    there) and returns ``(status_code, body, headers)``; it must not commit. It signals failure
    by raising (e.g. a `ProblemError`), which rolls everything back and stores nothing.
    ``key`` defaults to the request's ``Idempotency-Key`` header; without one the operation
    simply runs in a transaction.
    """
    key = _resolve_key(request, key)
    if key is None:
        async with db.session() as session, session.begin():
            status_code, body, headers = await operation(session)
        return _response(status_code, render_body(body), headers)

    owner = _owner(principal)
    fingerprint = await request_fingerprint(request)
    for _ in range(_CLAIM_ATTEMPTS):
        async with db.session() as session, session.begin():
            outcome = await _claim_and_run(
                session, owner, key, fingerprint, lambda: operation(session)
            )
        # Only now, after the commit, is a fresh response safe to send.
        if isinstance(outcome, Response):
            return outcome
        if outcome is not None:
            return _replayed(outcome, fingerprint)
    raise RuntimeError(f"could not claim idempotency key after {_CLAIM_ATTEMPTS} attempts")


async def run_idempotent_in(
    session: AsyncSession,
    request: Request,
    principal: Principal | str,
    operation: Callable[[], Awaitable[OperationResult]],
    *,
    commit: Callable[[], Awaitable[None]],
    key: str | None = None,
) -> Response:
    """`run_idempotent` inside a transaction the caller already opened, e.g. a unit of work::

        return await run_idempotent_in(uow.session, request, principal, create, commit=uow.commit)

    ``operation()`` works through that transaction; ``commit`` is called once the response
    is recorded, so the response is only returned after it is durable. On a replay nothing is
    committed, and the caller's transaction should simply be closed (rolled back).
    """
    key = _resolve_key(request, key)
    if key is None:
        status_code, body, headers = await operation()
        await commit()
        return _response(status_code, render_body(body), headers)
    fingerprint = await request_fingerprint(request)
    outcome = await _claim_and_run(session, _owner(principal), key, fingerprint, operation)
    if isinstance(outcome, Response):
        await commit()
        return outcome
    if outcome is None:
        # Single attempt: the caller's transaction cannot be restarted from here.
        raise Conflict("The stored response for this Idempotency-Key expired meanwhile; retry")
    return _replayed(outcome, fingerprint)


async def purge_idempotency_keys(session: AsyncSession, *, retention_hours: int) -> int:
    """Delete stored responses older than ``retention_hours``; the caller commits."""
    result = await session.execute(
        delete(idempotency_keys).where(
            idempotency_keys.c.created_at < func.now() - timedelta(hours=retention_hours)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
