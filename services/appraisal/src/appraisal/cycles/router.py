import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.cycles import service as cycle_service
from appraisal.cycles.domain import MemberStatus
from appraisal.cycles.schemas import (
    FIRST_CYCLE_YEAR,
    CycleCreate,
    CyclePatch,
    CycleRead,
    MemberRead,
)
from appraisal.templates.domain import AppraisalKind
from shared.app import DatabaseDep, SessionDep, UnitOfWorkDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, make_etag, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, run_idempotent
from shared.http.pagination import Page, PageQuery, make_page

router = APIRouter(prefix="/v1/cycles", tags=["cycles"])

Reader = Annotated[Principal, Depends(require_scopes("appraisal:read"))]
Admin = Annotated[Principal, Depends(require_scopes("appraisal:admin"))]

# OpenAPI links from a returned cycle to what a client does next with it, carrying the ETag as
# the If-Match a change needs; the stateful fuzz tests follow them.
_THIS_CYCLE = {"path.cycle_id": "$response.body#/id"}
_RETURNS_CYCLE = {
    "headers": {
        "ETag": {"description": "Strong ETag of the returned version", "schema": {"type": "string"}}
    },
    "links": {
        "get_cycle": {"operationId": "get_cycle", "parameters": _THIS_CYCLE},
        "update_cycle": {
            "operationId": "update_cycle",
            "parameters": {**_THIS_CYCLE, "header.If-Match": "$response.header.ETag"},
        },
        "list_population": {"operationId": "list_population", "parameters": _THIS_CYCLE},
    },
}


@router.post("", status_code=201, response_model=CycleRead, responses={201: _RETURNS_CYCLE})
async def create_cycle(
    cycle_in: CycleCreate,
    request: Request,
    principal: Admin,
    db: DatabaseDep,
    key: IdempotencyKeyHeader,
) -> Response:
    """Open an organisation's staff or board cycle for a year; a staff cycle's population is
    everyone the people directory places there now, and changes as people join and leave."""

    async def create(session: AsyncSession) -> tuple[int, Any, dict[str, str]]:
        cycle = await cycle_service.create_cycle(
            session=session, principal=principal, cycle_in=cycle_in
        )
        counts = await cycle_service.active_population(session, [cycle.id])
        body = CycleRead.from_model(cycle, counts.get(cycle.id, 0))
        return (
            201,
            body,
            {"ETag": make_etag(body.id, body.version), "Location": f"/v1/cycles/{body.id}"},
        )

    return await run_idempotent(db, request, principal, create, key=key)


@router.get("", response_model=Page[CycleRead])
async def list_cycles(
    principal: Reader,
    session: SessionDep,
    page: PageQuery,
    org_code: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{3,5}$")] = None,
    cycle_year: Annotated[int | None, Query(ge=FIRST_CYCLE_YEAR, le=2100)] = None,
    kind: AppraisalKind | None = None,
) -> Page[CycleRead]:
    rows = await cycle_service.list_cycles(
        session=session,
        principal=principal,
        page=page,
        org_code=org_code.upper() if org_code else None,
        cycle_year=cycle_year,
        kind=kind,
    )
    counts = await cycle_service.active_population(session, [cycle.id for cycle in rows])
    return make_page(
        rows,
        page,
        key_fn=lambda c: (c.created_at, c.id),
        item=lambda c: CycleRead.from_model(c, counts.get(c.id, 0)),
    )


@router.get("/{cycle_id}", response_model=CycleRead, responses={200: _RETURNS_CYCLE})
async def get_cycle(
    cycle_id: uuid.UUID, principal: Reader, session: SessionDep, response: Response
) -> CycleRead:
    cycle = await cycle_service.get_cycle(session=session, principal=principal, cycle_id=cycle_id)
    counts = await cycle_service.active_population(session, [cycle.id])
    set_etag(response, cycle.id, cycle.version)
    return CycleRead.from_model(cycle, counts.get(cycle.id, 0))


@router.patch("/{cycle_id}", response_model=CycleRead, responses={200: _RETURNS_CYCLE})
async def update_cycle(
    cycle_id: uuid.UUID,
    patch: CyclePatch,
    if_match: IfMatchHeader,
    principal: Admin,
    uow: UnitOfWorkDep,
    response: Response,
) -> CycleRead:
    """Move the organisation's window or completion deadline (If-Match: the cycle's ETag).

    NHS England's submission deadlines come from the organisation type and cannot be changed."""
    cycle = await cycle_service.update_cycle(
        session=uow.session,
        principal=principal,
        cycle_id=cycle_id,
        if_match=if_match,
        patch=patch,
    )
    counts = await cycle_service.active_population(uow.session, [cycle.id])
    body = CycleRead.from_model(cycle, counts.get(cycle.id, 0))
    await uow.commit()
    set_etag(response, body.id, body.version)
    return body


@router.get("/{cycle_id}/population", response_model=Page[MemberRead])
async def list_population(
    cycle_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    page: PageQuery,
    status: MemberStatus | None = None,
) -> Page[MemberRead]:
    """The people of the cycle, joiners and leavers included (leavers with their date)."""
    rows = await cycle_service.list_population(
        session=session, principal=principal, cycle_id=cycle_id, page=page, status=status
    )
    return make_page(
        rows, page, key_fn=lambda m: (m.person_id, m.person_id), item=MemberRead.from_model
    )
