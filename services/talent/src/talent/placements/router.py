import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.app import DatabaseDep, SessionDep, UnitOfWorkDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, make_etag, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, run_idempotent, run_idempotent_in
from shared.http.pagination import Page, PageQuery, make_page
from talent.placements import service as placement_service
from talent.placements.domain import PlacementStatus
from talent.placements.schemas import (
    FactorRead,
    MatchList,
    MatchRead,
    OfferCreate,
    PlacementRead,
    PlacementTransition,
    RoleCreate,
    RoleRead,
)

router = APIRouter(prefix="/v1", tags=["placements"])

TalentReader = Annotated[Principal, Depends(require_scopes("talent:read"))]
TalentWriter = Annotated[Principal, Depends(require_scopes("talent:write"))]

_ETAG_HEADER = {
    "ETag": {"description": "Strong ETag of the returned version", "schema": {"type": "string"}}
}
_RETURNS_PLACEMENT = {
    "headers": _ETAG_HEADER,
    "links": {
        "get_placement": {
            "operationId": "get_placement",
            "parameters": {"path.placement_id": "$response.body#/id"},
        },
        "transition_placement": {
            "operationId": "transition_placement",
            "parameters": {
                "path.placement_id": "$response.body#/id",
                "header.If-Match": "$response.header.ETag",
            },
        },
    },
}
_RETURNS_ROLE = {
    "headers": _ETAG_HEADER,
    "links": {
        "match_role": {
            "operationId": "match_role",
            "parameters": {"path.role_id": "$response.body#/id"},
        },
    },
}


@router.post(
    "/challenged-roles", status_code=201, response_model=RoleRead, responses={201: _RETURNS_ROLE}
)
async def create_challenged_role(
    role_in: RoleCreate,
    request: Request,
    principal: TalentWriter,
    db: DatabaseDep,
    key: IdempotencyKeyHeader,
) -> Response:
    """A role at a challenged organisation (segment at or past the threshold) with its
    incentive and support package."""

    async def create(session: AsyncSession) -> tuple[int, Any, Mapping[str, str]]:
        role = await placement_service.create_role(
            session=session, principal=principal, role_in=role_in
        )
        body = RoleRead.model_validate(role)
        return (
            201,
            body,
            {
                "ETag": make_etag(body.id, body.version),
                "Location": f"/v1/challenged-roles/{body.id}",
            },
        )

    return await run_idempotent(db, request, principal, create, key=key)


@router.get("/challenged-roles", response_model=Page[RoleRead])
async def list_challenged_roles(
    principal: TalentReader,
    session: SessionDep,
    page: PageQuery,
    org_code: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{3,5}$")] = None,
) -> Page[RoleRead]:
    rows = await placement_service.list_roles(
        session=session,
        principal=principal,
        page=page,
        org_code=org_code.upper() if org_code else None,
    )
    return make_page(
        rows, page, key_fn=lambda r: (r.created_at, r.id), item=RoleRead.model_validate
    )


@router.get("/challenged-roles/{role_id}", response_model=RoleRead, responses={200: _RETURNS_ROLE})
async def get_challenged_role(
    role_id: uuid.UUID, principal: TalentReader, session: SessionDep, response: Response
) -> RoleRead:
    role = await placement_service.visible_role(session, principal, role_id)
    set_etag(response, role.id, role.version)
    return RoleRead.model_validate(role)


@router.get("/challenged-roles/{role_id}/matches", response_model=MatchList)
async def match_role(role_id: uuid.UUID, principal: TalentWriter, session: SessionDep) -> MatchList:
    """Confirmed pool members in the token's reach, ranked for the role: those who fit first,
    each with the score and reason of every factor (readiness, aspiration, mobility, interest).
    Needs talent:write: matching is the regional talent function's work, not a public read."""
    role, ranked = await placement_service.match_role(
        session=session, principal=principal, role_id=role_id
    )
    return MatchList(
        role_id=role.id,
        items=[
            MatchRead(
                rank=position,
                person_id=found.person_id,
                org_code=org_code,
                score=found.score,
                fits=found.fits,
                excluded_because=list(found.excluded_because),
                factors=[
                    FactorRead(
                        factor=str(f.factor),
                        score=f.score,
                        weight=f.weight,
                        reason_code=f.reason_code,
                        explanation=f.explanation,
                    )
                    for f in found.factors
                ],
            )
            for position, (found, org_code) in enumerate(ranked, start=1)
        ],
    )


@router.post(
    "/challenged-roles/{role_id}/offers",
    status_code=201,
    response_model=PlacementRead,
    responses={201: _RETURNS_PLACEMENT},
)
async def offer_placement(
    role_id: uuid.UUID,
    offer: OfferCreate,
    request: Request,
    principal: TalentWriter,
    db: DatabaseDep,
    key: IdempotencyKeyHeader,
) -> Response:
    """Offer the role to a candidate who fits; the match explanation is kept on the offer."""

    async def create(session: AsyncSession) -> tuple[int, Any, Mapping[str, str]]:
        placement = await placement_service.make_offer(
            session=session, principal=principal, role_id=role_id, offer=offer
        )
        body = PlacementRead.model_validate(placement)
        return (
            201,
            body,
            {"ETag": make_etag(body.id, body.version), "Location": f"/v1/placements/{body.id}"},
        )

    return await run_idempotent(db, request, principal, create, key=key)


@router.get("/placements", response_model=Page[PlacementRead])
async def list_placements(
    principal: TalentReader,
    session: SessionDep,
    page: PageQuery,
    role_id: uuid.UUID | None = None,
    status: PlacementStatus | None = None,
) -> Page[PlacementRead]:
    rows = await placement_service.list_placements(
        session=session, principal=principal, page=page, role_id=role_id, status=status
    )
    return make_page(
        rows, page, key_fn=lambda p: (p.offered_at, p.id), item=PlacementRead.model_validate
    )


@router.get(
    "/placements/{placement_id}", response_model=PlacementRead, responses={200: _RETURNS_PLACEMENT}
)
async def get_placement(
    placement_id: uuid.UUID, principal: TalentReader, session: SessionDep, response: Response
) -> PlacementRead:
    placement = await placement_service.visible_placement(session, principal, placement_id)
    set_etag(response, placement.id, placement.version)
    return PlacementRead.model_validate(placement)


@router.post(
    "/placements/{placement_id}/transitions",
    response_model=PlacementRead,
    responses={200: _RETURNS_PLACEMENT},
)
async def transition_placement(
    placement_id: uuid.UUID,
    change: PlacementTransition,
    if_match: IfMatchHeader,
    request: Request,
    principal: TalentWriter,
    uow: UnitOfWorkDep,
    key: IdempotencyKeyHeader,
) -> Response:
    """offered → accepted (publishes leadership.placement.accepted.v1) or declined; accepted →
    active; active → completed with an outcome; an offer or acceptance may be withdrawn."""

    async def move() -> tuple[int, Any, Mapping[str, str]]:
        placement = await placement_service.transition(
            uow=uow,
            principal=principal,
            placement_id=placement_id,
            if_match=if_match,
            change=change,
        )
        body = PlacementRead.model_validate(placement)
        return 200, body, {"ETag": make_etag(body.id, body.version)}

    return await run_idempotent_in(
        uow.session, request, principal, move, commit=uow.commit, key=key
    )
