from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.app import DatabaseDep, SessionDep, UnitOfWorkDep
from shared.http.etag import IfMatchHeader, make_etag, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, OperationResult, run_idempotent
from shared.http.pagination import Page, PageQuery, make_page
from standards.auth import StandardsAdmin, StandardsReader
from standards.frameworks import service as framework_service
from standards.frameworks.schemas import (
    VERSION_PATTERN,
    FrameworkCreate,
    FrameworkRead,
    VersionContent,
    VersionCreate,
    VersionRead,
)
from standards.outbox import request_publisher

router = APIRouter(prefix="/v1/frameworks", tags=["frameworks"])

FrameworkCodePath = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,39}$", examples=["LCF-BOARD"])
]
VersionPath = Annotated[str, Path(pattern=VERSION_PATTERN, examples=["2024"])]


def _version_location(code: str, version: str) -> str:
    return f"/v1/frameworks/{code}/versions/{version}"


@router.get("", response_model=Page[FrameworkRead])
async def list_frameworks(
    page: PageQuery, principal: StandardsReader, session: SessionDep
) -> Page[FrameworkRead]:
    """The frameworks of standards with their versions, ordered by code (national data)."""
    rows = await framework_service.list_frameworks(session=session, page=page)
    return make_page(rows, page, key_fn=lambda f: (f.code, f.id), item=FrameworkRead.of)


@router.post("", status_code=201, response_model=FrameworkRead)
async def create_framework(
    body: FrameworkCreate,
    request: Request,
    principal: StandardsAdmin,
    db: DatabaseDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Register a new framework; its content comes as versions."""

    async def create(session: AsyncSession) -> OperationResult:
        framework = await framework_service.create_framework(session=session, framework_in=body)
        return 201, FrameworkRead.of(framework), {"Location": f"/v1/frameworks/{framework.code}"}

    return await run_idempotent(db, request, principal, create, key=idempotency_key)


@router.get("/{code}", response_model=FrameworkRead)
async def get_framework(
    code: FrameworkCodePath, principal: StandardsReader, session: SessionDep
) -> FrameworkRead:
    return FrameworkRead.of(await framework_service.require_framework(session=session, code=code))


@router.post("/{code}/versions", status_code=201, response_model=VersionRead)
async def create_framework_version(
    code: FrameworkCodePath,
    body: VersionCreate,
    request: Request,
    principal: StandardsAdmin,
    db: DatabaseDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Start a draft version with its whole tree; drafts change until they are published."""

    async def create(session: AsyncSession) -> OperationResult:
        version = await framework_service.create_version(
            session=session, code=code, version_in=body
        )
        headers = {
            "Location": _version_location(version.framework.code, version.version),
            "ETag": make_etag(version.id, version.revision),
        }
        return 201, VersionRead.of(version), headers

    return await run_idempotent(db, request, principal, create, key=idempotency_key)


@router.get("/{code}/versions/{version}", response_model=VersionRead)
async def get_framework_version(
    code: FrameworkCodePath,
    version: VersionPath,
    principal: StandardsReader,
    session: SessionDep,
    response: Response,
) -> VersionRead:
    """A version with its whole tree: domains, standards and rating scale."""
    row = await framework_service.require_version(session=session, code=code, version=version)
    set_etag(response, row.id, row.revision)
    return VersionRead.of(row)


@router.put("/{code}/versions/{version}", response_model=VersionRead)
async def replace_framework_version(
    code: FrameworkCodePath,
    version: VersionPath,
    body: VersionContent,
    principal: StandardsAdmin,
    uow: UnitOfWorkDep,
    if_match: IfMatchHeader,
    response: Response,
) -> VersionRead:
    """Replace a draft's tree (If-Match). A published or retired version answers 409."""
    row = await framework_service.replace_version(
        session=uow.session, code=code, version=version, content=body, if_match=if_match
    )
    result = VersionRead.of(row)
    await uow.commit()
    set_etag(response, row.id, row.revision)
    return result


@router.post("/{code}/versions/{version}/publish", response_model=VersionRead)
async def publish_framework_version(
    code: FrameworkCodePath,
    version: VersionPath,
    request: Request,
    principal: StandardsAdmin,
    db: DatabaseDep,
    if_match: IfMatchHeader,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Publish a draft (If-Match): from now on it is immutable. Emits `framework.published`."""

    async def publish(session: AsyncSession) -> OperationResult:
        row = await framework_service.publish_version(
            session=session,
            publish=request_publisher(session, request),
            code=code,
            version=version,
            if_match=if_match,
        )
        return 200, VersionRead.of(row), {"ETag": make_etag(row.id, row.revision)}

    return await run_idempotent(db, request, principal, publish, key=idempotency_key)


@router.post("/{code}/versions/{version}/retire", response_model=VersionRead)
async def retire_framework_version(
    code: FrameworkCodePath,
    version: VersionPath,
    principal: StandardsAdmin,
    uow: UnitOfWorkDep,
    if_match: IfMatchHeader,
    response: Response,
) -> VersionRead:
    """Retire a published version (If-Match): kept for the evidence that names it."""
    row = await framework_service.retire_version(
        session=uow.session, code=code, version=version, if_match=if_match
    )
    result = VersionRead.of(row)
    await uow.commit()
    set_etag(response, row.id, row.revision)
    return result
