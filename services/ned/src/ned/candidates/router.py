"""The non-executive talent pool. Protected characteristics are served only by their own
restricted endpoints (``edi:read``), and every access to them is written to the audit trail."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ned.candidates import service as candidate_service
from ned.candidates.domain import Programme, Skill
from ned.candidates.models import Candidate
from ned.candidates.schemas import (
    AccessEntryRead,
    CandidateCreate,
    CandidateRead,
    CandidateUpdate,
    ProtectedCharacteristicsIn,
    ProtectedCharacteristicsRead,
)
from shared.app import DatabaseDep, SessionDep, UnitOfWorkDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, make_etag, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, OperationResult, run_idempotent
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import NotFound

router = APIRouter(prefix="/v1/candidates", tags=["candidates"])

NedReader = Annotated[Principal, Depends(require_scopes("ned:read"))]
NedWriter = Annotated[Principal, Depends(require_scopes("ned:write"))]
NedAdmin = Annotated[Principal, Depends(require_scopes("ned:admin"))]
EdiReader = Annotated[Principal, Depends(require_scopes("ned:read", "edi:read"))]
EdiWriter = Annotated[Principal, Depends(require_scopes("ned:write", "edi:read"))]


def _read(candidate: Candidate) -> CandidateRead:
    return CandidateRead.model_validate(candidate)


@router.post("", status_code=201, response_model=CandidateRead)
async def create_candidate(
    body: CandidateCreate,
    request: Request,
    principal: NedWriter,
    db: DatabaseDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Add a person to the NED talent pool: skills and sector expertise, an LCF
    self-assessment across the six domains, availability, regional preferences and programme
    membership (NExT Director, Aspiring Chair)."""
    principal.require_org(body.org_code)

    async def create(session: AsyncSession) -> OperationResult:
        candidate = await candidate_service.create_candidate(session=session, candidate_in=body)
        headers = {
            "Location": f"/v1/candidates/{candidate.id}",
            "ETag": make_etag(candidate.id, candidate.version),
        }
        return 201, _read(candidate), headers

    return await run_idempotent(db, request, principal, create, key=idempotency_key)


@router.get("", response_model=Page[CandidateRead])
async def list_candidates(
    page: PageQuery,
    principal: NedReader,
    session: SessionDep,
    skill: Skill | None = None,
    region: Annotated[str | None, Query(pattern=r"^[Yy][0-9]{2}$")] = None,
    programme: Programme | None = None,
) -> Page[CandidateRead]:
    """Candidates held within the token's reach, optionally by skill, preferred region or
    programme."""
    rows = await candidate_service.list_candidates(
        session=session,
        principal=principal,
        page=page,
        skill=skill,
        region=region,
        programme=programme,
    )
    return make_page(rows, page, key_fn=lambda c: (c.id, c.id), item=_read)


@router.get("/{candidate_id}", response_model=CandidateRead)
async def get_candidate(
    candidate_id: uuid.UUID, principal: NedReader, session: SessionDep, response: Response
) -> CandidateRead:
    candidate = await candidate_service.get_candidate(
        session=session, principal=principal, candidate_id=candidate_id
    )
    set_etag(response, candidate.id, candidate.version)
    return _read(candidate)


@router.put("/{candidate_id}", response_model=CandidateRead)
async def update_candidate(
    candidate_id: uuid.UUID,
    body: CandidateUpdate,
    principal: NedWriter,
    if_match: IfMatchHeader,
    uow: UnitOfWorkDep,
    response: Response,
) -> CandidateRead:
    """Replace the candidate's pool record (If-Match: the candidate's ETag)."""
    candidate = await candidate_service.update_candidate(
        session=uow.session,
        principal=principal,
        candidate_id=candidate_id,
        candidate_in=body,
        if_match=if_match,
    )
    result = _read(candidate)
    await uow.commit()
    set_etag(response, candidate.id, candidate.version)
    return result


def _characteristics_read(row: object) -> ProtectedCharacteristicsRead:
    return ProtectedCharacteristicsRead.model_validate(row)


@router.get(
    "/{candidate_id}/protected-characteristics", response_model=ProtectedCharacteristicsRead
)
async def get_candidate_characteristics(
    candidate_id: uuid.UUID, principal: EdiReader, uow: UnitOfWorkDep, response: Response
) -> ProtectedCharacteristicsRead:
    """Restricted (``edi:read``): the candidate's self-declared sex, ethnic category and
    disability. The read is audited, including a read that finds nothing declared."""
    try:
        row = await candidate_service.read_characteristics(
            session=uow.session, principal=principal, candidate_id=candidate_id
        )
    except NotFound:
        # The audit line of a read that found nothing is kept too.
        await uow.commit()
        raise
    result = _characteristics_read(row)
    await uow.commit()
    set_etag(response, candidate_service.characteristics_etag_id(candidate_id), result.version)
    return result


@router.put(
    "/{candidate_id}/protected-characteristics", response_model=ProtectedCharacteristicsRead
)
async def put_candidate_characteristics(
    candidate_id: uuid.UUID,
    body: ProtectedCharacteristicsIn,
    principal: EdiWriter,
    if_match: IfMatchHeader,
    uow: UnitOfWorkDep,
    response: Response,
) -> ProtectedCharacteristicsRead:
    """Restricted (``edi:read``): record the candidate's declaration. The first declaration
    needs no If-Match; replacing one needs its ETag. Audited."""
    row, _ = await candidate_service.put_characteristics(
        session=uow.session,
        principal=principal,
        candidate_id=candidate_id,
        characteristics_in=body,
        if_match=if_match,
    )
    result = _characteristics_read(row)
    await uow.commit()
    set_etag(response, candidate_service.characteristics_etag_id(candidate_id), result.version)
    return result


@router.get(
    "/{candidate_id}/protected-characteristics/access-log",
    response_model=Page[AccessEntryRead],
)
async def list_candidate_characteristics_access(
    candidate_id: uuid.UUID, page: PageQuery, principal: NedAdmin, session: SessionDep
) -> Page[AccessEntryRead]:
    """Who read or changed the candidate's protected characteristics, oldest first."""
    candidate = await candidate_service.get_candidate(
        session=session, principal=principal, candidate_id=candidate_id
    )
    rows = await candidate_service.list_access(session=session, candidate=candidate, page=page)
    return make_page(
        rows, page, key_fn=lambda a: (a.seq, a.id), item=AccessEntryRead.model_validate
    )
