import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.app import DatabaseDep, SessionDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, make_etag, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, run_idempotent
from shared.http.pagination import Page, PageQuery, make_page
from talent.edi import service as edi_service
from talent.edi.domain import GoalStatus
from talent.edi.schemas import (
    AccessAuditRead,
    GoalCreate,
    GoalPatch,
    GoalRead,
    ProtectedCharacteristicsRead,
)

router = APIRouter(prefix="/v1", tags=["edi"])

TalentReader = Annotated[Principal, Depends(require_scopes("talent:read"))]
TalentWriter = Annotated[Principal, Depends(require_scopes("talent:write"))]
EdiReader = Annotated[Principal, Depends(require_scopes("talent:read", "edi:read"))]
EdiAuditor = Annotated[Principal, Depends(require_scopes("talent:admin", "edi:read"))]
PersonIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,20}$", examples=["10234567"])]
RegionQuery = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["Y56"])]

_ETAG_HEADER = {
    "ETag": {"description": "Strong ETag of the returned version", "schema": {"type": "string"}}
}
_RETURNS_GOAL = {
    "headers": _ETAG_HEADER,
    "links": {
        "get_edi_goal": {
            "operationId": "get_edi_goal",
            "parameters": {"path.goal_id": "$response.body#/id"},
        },
        "update_edi_goal": {
            "operationId": "update_edi_goal",
            "parameters": {
                "path.goal_id": "$response.body#/id",
                "header.If-Match": "$response.header.ETag",
            },
        },
    },
}


@router.post("/edi-goals", status_code=201, response_model=GoalRead, responses={201: _RETURNS_GOAL})
async def create_edi_goal(
    goal_in: GoalCreate,
    request: Request,
    principal: TalentWriter,
    db: DatabaseDep,
    key: IdempotencyKeyHeader,
) -> Response:
    """An organisation's EDI improvement goal: an indicator of its published set, a target and
    a deadline. The indicator's value today is kept as the baseline."""

    async def create(session: AsyncSession) -> tuple[int, Any, Mapping[str, str]]:
        goal = await edi_service.create_goal(session=session, principal=principal, goal_in=goal_in)
        return (
            201,
            goal,
            {"ETag": make_etag(goal.id, goal.version), "Location": f"/v1/edi-goals/{goal.id}"},
        )

    return await run_idempotent(db, request, principal, create, key=key)


@router.get("/edi-goals", response_model=Page[GoalRead])
async def list_edi_goals(
    principal: TalentReader,
    session: SessionDep,
    page: PageQuery,
    org_code: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{3,5}$")] = None,
    region_code: RegionQuery = None,
    status: GoalStatus | None = None,
) -> Page[GoalRead]:
    """Goals in reach, by deadline, with progress. A region's token with ``status=missed``
    sees the goals its organisations missed."""
    rows, reads = await edi_service.list_goals(
        session=session,
        principal=principal,
        page=page,
        org_code=org_code.upper() if org_code else None,
        region_code=region_code.upper() if region_code else None,
        missed_only=status is GoalStatus.MISSED,
    )
    result = make_page(rows, page, key_fn=lambda g: (g.deadline, g.id), item=lambda g: reads[g.id])
    if status is not None:
        result.items = [read for read in result.items if read.status is status]
    return result


@router.get("/edi-goals/{goal_id}", response_model=GoalRead, responses={200: _RETURNS_GOAL})
async def get_edi_goal(
    goal_id: uuid.UUID, principal: TalentReader, session: SessionDep, response: Response
) -> GoalRead:
    goal = await edi_service.read_goal(session=session, principal=principal, goal_id=goal_id)
    set_etag(response, goal.id, goal.version)
    return goal


@router.patch("/edi-goals/{goal_id}", response_model=GoalRead, responses={200: _RETURNS_GOAL})
async def update_edi_goal(
    goal_id: uuid.UUID,
    patch: GoalPatch,
    if_match: IfMatchHeader,
    principal: TalentWriter,
    session: SessionDep,
    response: Response,
) -> GoalRead:
    """Change the target or deadline, or withdraw the goal (If-Match)."""
    async with session.begin():
        goal = await edi_service.update_goal(
            session=session, principal=principal, goal_id=goal_id, patch=patch, if_match=if_match
        )
    set_etag(response, goal.id, goal.version)
    return goal


@router.get(
    "/people/{person_id}/protected-characteristics",
    response_model=ProtectedCharacteristicsRead,
    summary="A person's protected characteristics (edi:read; every read is audited)",
)
async def get_protected_characteristics(
    person_id: PersonIdPath, principal: EdiReader, session: SessionDep
) -> ProtectedCharacteristicsRead:
    # GET sessions are already in a transaction (one snapshot); the audit row commits with it.
    read = await edi_service.read_characteristics(
        session=session, principal=principal, person_id=person_id, purpose="record_level_read"
    )
    await session.commit()
    return read


@router.get("/edi-access-audit", response_model=Page[AccessAuditRead])
async def list_edi_access_audit(
    principal: EdiAuditor,
    session: SessionDep,
    page: PageQuery,
    person_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9-]{1,20}$")] = None,
) -> Page[AccessAuditRead]:
    """Who read whose protected characteristics, and when (never the values read)."""
    rows = await edi_service.list_audit(
        session=session, principal=principal, page=page, person_id=person_id
    )
    return make_page(
        rows, page, key_fn=lambda a: (a.accessed_at, a.id), item=AccessAuditRead.model_validate
    )
