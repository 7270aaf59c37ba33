import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.pay import service as pay_service
from appraisal.pay.schemas import HrFlagCreate, HrFlagPatch, HrFlagRead, PayProgressionRead
from shared.app import DatabaseDep, SessionDep, UnitOfWorkDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, make_etag, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, run_idempotent
from shared.http.pagination import Page, PageQuery, make_page

router = APIRouter(tags=["pay progression"])

PayReader = Annotated[Principal, Depends(require_scopes("appraisal:read"))]
# Capability and disciplinary flags are for HR: reading and writing them both need admin.
HrAdmin = Annotated[Principal, Depends(require_scopes("appraisal:admin"))]
PersonIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,20}$")]

_ETAG_HEADER = {
    "ETag": {"description": "Strong ETag of the returned version", "schema": {"type": "string"}}
}
_THIS_FLAG = {"path.flag_id": "$response.body#/id"}
_FLAG_FOLLOW_UPS = {
    "get_hr_flag": {"operationId": "get_hr_flag", "parameters": _THIS_FLAG},
    "update_hr_flag": {
        "operationId": "update_hr_flag",
        "parameters": {**_THIS_FLAG, "header.If-Match": "$response.header.ETag"},
    },
}
_RETURNS_FLAG = {"headers": _ETAG_HEADER, "links": _FLAG_FOLLOW_UPS}


@router.get("/v1/people/{person_id}/pay-progression", response_model=PayProgressionRead)
async def get_pay_progression(
    person_id: PersonIdPath,
    principal: PayReader,
    session: SessionDep,
    on: Annotated[
        date | None,
        Query(
            description="The pay step date to judge (default: today, UTC)",
            ge=date(2004, 12, 1),
            le=date(2100, 12, 31),
        ),
    ] = None,
) -> PayProgressionRead:
    """Whether the person may progress to the next pay step on ``on``, criterion by criterion.

    Agenda for Change annex 23: an appraisal completed in the 12 months before; statutory and
    mandatory training complete; no formal capability process; no live disciplinary sanction;
    for line managers, every report appraised.
    """
    when = on or datetime.now(UTC).date()
    person, assessment = await pay_service.pay_progression(
        session=session, principal=principal, person_id=person_id, on=when
    )
    return PayProgressionRead.from_assessment(person.person_id, person.org_code, assessment)


@router.post(
    "/v1/people/{person_id}/hr-flags",
    status_code=201,
    response_model=HrFlagRead,
    responses={201: _RETURNS_FLAG},
)
async def create_hr_flag(
    person_id: PersonIdPath,
    flag_in: HrFlagCreate,
    request: Request,
    principal: HrAdmin,
    db: DatabaseDep,
    key: IdempotencyKeyHeader,
) -> Response:
    """Record a formal capability process or disciplinary sanction, as the HR system sets it."""

    async def create(session: AsyncSession) -> tuple[int, Any, Mapping[str, str]]:
        flag = await pay_service.create_flag(
            session=session, principal=principal, person_id=person_id, flag_in=flag_in
        )
        body = HrFlagRead.from_model(flag)
        return 201, body, {"ETag": make_etag(body.id, body.version)}

    return await run_idempotent(db, request, principal, create, key=key)


@router.get("/v1/people/{person_id}/hr-flags", response_model=Page[HrFlagRead])
async def list_hr_flags(
    person_id: PersonIdPath, principal: HrAdmin, session: SessionDep, page: PageQuery
) -> Page[HrFlagRead]:
    rows = await pay_service.list_flags(
        session=session, principal=principal, person_id=person_id, page=page
    )
    return make_page(rows, page, key_fn=lambda f: (f.created_at, f.id), item=HrFlagRead.from_model)


@router.get("/v1/hr-flags/{flag_id}", response_model=HrFlagRead, responses={200: _RETURNS_FLAG})
async def get_hr_flag(
    flag_id: uuid.UUID, principal: HrAdmin, session: SessionDep, response: Response
) -> HrFlagRead:
    flag = await pay_service.get_flag(session=session, principal=principal, flag_id=flag_id)
    set_etag(response, flag.id, flag.version)
    return HrFlagRead.from_model(flag)


@router.patch("/v1/hr-flags/{flag_id}", response_model=HrFlagRead, responses={200: _RETURNS_FLAG})
async def update_hr_flag(
    flag_id: uuid.UUID,
    patch: HrFlagPatch,
    if_match: IfMatchHeader,
    principal: HrAdmin,
    uow: UnitOfWorkDep,
    response: Response,
) -> HrFlagRead:
    """Change a flag's dates, e.g. set ``ends_on`` when the process closes. Audited."""
    flag = await pay_service.update_flag(
        session=uow.session, principal=principal, flag_id=flag_id, if_match=if_match, patch=patch
    )
    body = HrFlagRead.from_model(flag)
    await uow.commit()
    set_etag(response, body.id, body.version)
    return body
