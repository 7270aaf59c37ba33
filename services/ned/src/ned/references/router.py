"""Board references: kept until the person's 75th birthday, released to a new employer on
request; every read and every release is audited."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ned.references import service as reference_service
from ned.references.schemas import ReferenceCreate, ReferenceRead, ReleaseCreate, ReleaseRead
from shared.app import DatabaseDep, SessionDep, UnitOfWorkDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import make_etag, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, OperationResult, run_idempotent
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import NotFound
from shared.reference.organisations import get_organisation

router = APIRouter(prefix="/v1/board-references", tags=["board references"])

NedReader = Annotated[Principal, Depends(require_scopes("ned:read"))]
NedWriter = Annotated[Principal, Depends(require_scopes("ned:write"))]
OrgCodeQuery = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])]
PersonIdQuery = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9-]{1,20}$")]


@router.post("", status_code=201, response_model=ReferenceRead)
async def create_board_reference(
    body: ReferenceCreate,
    request: Request,
    principal: NedWriter,
    db: DatabaseDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Write the standard board reference for someone leaving the organisation's board."""
    if get_organisation(body.org_code) is None:
        raise NotFound(f"No organisation {body.org_code.upper()}")
    principal.require_org(body.org_code)

    async def create(session: AsyncSession) -> OperationResult:
        reference = await reference_service.create_reference(
            session=session, body=body, written_by=principal.subject
        )
        headers = {
            "Location": f"/v1/board-references/{reference.id}",
            "ETag": make_etag(reference.id, reference.version),
        }
        return 201, ReferenceRead.model_validate(reference), headers

    return await run_idempotent(db, request, principal, create, key=idempotency_key)


@router.get("", response_model=Page[ReferenceRead])
async def list_board_references(
    page: PageQuery,
    principal: NedReader,
    uow: UnitOfWorkDep,
    person_id: PersonIdQuery = None,
    org_code: OrgCodeQuery = None,
) -> Page[ReferenceRead]:
    """References written by, or released to, organisations within the token's reach."""
    rows = await reference_service.list_references(
        session=uow.session, principal=principal, page=page, person_id=person_id, org_code=org_code
    )
    result = make_page(
        rows, page, key_fn=lambda r: (r.created_at, r.id), item=ReferenceRead.model_validate
    )
    reference_service.audit_reads(uow.session, principal, rows[: page.limit], "list")
    await uow.commit()
    return result


@router.get("/{reference_id}", response_model=ReferenceRead)
async def get_board_reference(
    reference_id: uuid.UUID, principal: NedReader, uow: UnitOfWorkDep, response: Response
) -> ReferenceRead:
    reference = await reference_service.get_visible(uow.session, reference_id, principal)
    read = ReferenceRead.model_validate(reference)
    reference_service.audit_reads(uow.session, principal, [reference], "read")
    await uow.commit()
    set_etag(response, read.id, read.version)
    return read


@router.post("/{reference_id}/releases", status_code=201, response_model=ReleaseRead)
async def release_board_reference(
    reference_id: uuid.UUID,
    body: ReleaseCreate,
    request: Request,
    principal: NedWriter,
    db: DatabaseDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Release the reference to a new employer that asked for it; that employer's tokens can
    read it from then on."""

    async def create(session: AsyncSession) -> OperationResult:
        released = await reference_service.release(
            session=session, reference_id=reference_id, body=body, principal=principal
        )
        location = f"/v1/board-references/{reference_id}/releases/{released.id}"
        return 201, ReleaseRead.model_validate(released), {"Location": location}

    return await run_idempotent(db, request, principal, create, key=idempotency_key)


@router.get("/{reference_id}/releases", response_model=Page[ReleaseRead])
async def list_board_reference_releases(
    reference_id: uuid.UUID, page: PageQuery, principal: NedReader, session: SessionDep
) -> Page[ReleaseRead]:
    """Every release of the reference, oldest first (for the organisation holding it)."""
    rows = await reference_service.list_releases(
        session=session, reference_id=reference_id, principal=principal, page=page
    )
    return make_page(
        rows, page, key_fn=lambda r: (r.released_at, r.id), item=ReleaseRead.model_validate
    )
