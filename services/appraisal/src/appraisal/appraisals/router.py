import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.appraisals import service as appraisal_service
from appraisal.appraisals.domain import FIRST_CYCLE_YEAR, AppraisalStatus
from appraisal.appraisals.events import PERSON_ID_PATTERN
from appraisal.appraisals.schemas import (
    AppraisalCreate,
    AppraisalPatch,
    AppraisalRead,
    TransitionRequest,
)
from shared.app import DatabaseDep, SessionDep, UnitOfWorkDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, make_etag, set_etag
from shared.http.idempotency import (
    IdempotencyKeyHeader,
    is_idempotency_conflict,
    remember,
    render_body,
    replay,
    request_fingerprint,
    run_idempotent,
)
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import Conflict
from shared.uow import UnitOfWork

router = APIRouter(prefix="/v1/appraisals", tags=["appraisals"])

AppraisalReader = Annotated[Principal, Depends(require_scopes("appraisal:read"))]
AppraisalWriter = Annotated[Principal, Depends(require_scopes("appraisal:write"))]

_ETAG_HEADER = {
    "ETag": {"description": "Strong ETag of the returned version", "schema": {"type": "string"}}
}


def _headers_of(appraisal: AppraisalRead) -> dict[str, str]:
    return {"ETag": make_etag(appraisal.id, appraisal.version)}


@router.post(
    "",
    status_code=201,
    response_model=AppraisalRead,
    responses={201: {"headers": _ETAG_HEADER}},
)
async def create_appraisal(
    appraisal_in: AppraisalCreate,
    request: Request,
    principal: AppraisalWriter,
    db: DatabaseDep,
    key: IdempotencyKeyHeader,
) -> Response:
    """Open a person's appraisal for a cycle, in draft."""

    async def create(session: AsyncSession) -> tuple[int, Any, Mapping[str, str]]:
        appraisal = await appraisal_service.create_appraisal(
            session=session, principal=principal, appraisal_in=appraisal_in
        )
        body = AppraisalRead.from_model(appraisal)
        return 201, body, {**_headers_of(body), "Location": f"/v1/appraisals/{body.id}"}

    return await run_idempotent(db, request, principal, create, key=key)


@router.get("", response_model=Page[AppraisalRead])
async def list_appraisals(
    principal: AppraisalReader,
    session: SessionDep,
    page: PageQuery,
    person_id: Annotated[str | None, Query(pattern=PERSON_ID_PATTERN)] = None,
    cycle_year: Annotated[
        int | None, Query(ge=FIRST_CYCLE_YEAR, le=2100, description="2026 means 2026/27")
    ] = None,
    org_code: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{3,5}$")] = None,
    status: AppraisalStatus | None = None,
) -> Page[AppraisalRead]:
    """Appraisals the token reaches, oldest first."""
    rows = await appraisal_service.list_appraisals(
        session=session,
        principal=principal,
        page=page,
        person_id=person_id,
        cycle_year=cycle_year,
        org_code=org_code.upper() if org_code else None,
        status=status,
    )
    return make_page(
        rows, page, key_fn=lambda a: (a.created_at, a.id), item=AppraisalRead.from_model
    )


@router.get(
    "/{appraisal_id}", response_model=AppraisalRead, responses={200: {"headers": _ETAG_HEADER}}
)
async def get_appraisal(
    appraisal_id: uuid.UUID, principal: AppraisalReader, session: SessionDep, response: Response
) -> AppraisalRead:
    appraisal = await appraisal_service.get_appraisal(
        session=session, principal=principal, appraisal_id=appraisal_id
    )
    set_etag(response, appraisal.id, appraisal.version)
    return AppraisalRead.from_model(appraisal)


@router.patch(
    "/{appraisal_id}", response_model=AppraisalRead, responses={200: {"headers": _ETAG_HEADER}}
)
async def update_appraisal(
    appraisal_id: uuid.UUID,
    patch: AppraisalPatch,
    if_match: IfMatchHeader,
    principal: AppraisalWriter,
    uow: UnitOfWorkDep,
    response: Response,
) -> AppraisalRead:
    """Set the content: objectives, outcomes, behaviour scores, aspirations, development."""
    appraisal = await appraisal_service.update_content(
        uow=uow, principal=principal, appraisal_id=appraisal_id, if_match=if_match, patch=patch
    )
    body = AppraisalRead.from_model(appraisal)
    await uow.commit()
    set_etag(response, body.id, body.version)
    return body


@router.post(
    "/{appraisal_id}/transitions",
    response_model=AppraisalRead,
    responses={200: {"headers": _ETAG_HEADER}},
)
async def transition_appraisal(
    appraisal_id: uuid.UUID,
    transition: TransitionRequest,
    if_match: IfMatchHeader,
    request: Request,
    principal: AppraisalWriter,
    uow: UnitOfWorkDep,
    key: IdempotencyKeyHeader,
) -> Response:
    """Move along draft → in_progress → awaiting_sign_off → completed (→ reopened → in_progress).

    Completing checks the completion rules (422 listing every unmet one) and publishes
    leadership.appraisal.completed.v1; reopening needs a reason_code and publishes
    leadership.appraisal.reopened.v1.
    """

    async def move() -> tuple[int, Any, Mapping[str, str]]:
        appraisal = await appraisal_service.change_status(
            uow=uow,
            principal=principal,
            appraisal_id=appraisal_id,
            if_match=if_match,
            transition=transition,
        )
        body = AppraisalRead.from_model(appraisal)
        return 200, body, _headers_of(body)

    return await _once(uow, request, principal, key, move)


async def _once(
    uow: UnitOfWork,
    request: Request,
    principal: Principal,
    key: str | None,
    operation: Callable[[], Awaitable[tuple[int, Any, Mapping[str, str]]]],
) -> Response:
    """Run ``operation`` in the unit of work and commit it with its Idempotency-Key record.

    `run_idempotent` owns its session, but an event must be published through this unit of
    work, so the two halves of the shared idempotency support are used around it instead.
    """
    fingerprint = await request_fingerprint(request) if key is not None else ""
    if key is not None:
        stored = await replay(uow.session, principal=principal, key=key, fingerprint=fingerprint)
        if stored is not None:
            return stored
    status_code, body, headers = await operation()
    rendered = render_body(body)
    if key is not None:
        try:
            await remember(
                uow.session,
                principal=principal,
                key=key,
                fingerprint=fingerprint,
                status_code=status_code,
                body=rendered,
                headers=headers,
            )
        except IntegrityError as exc:
            if not is_idempotency_conflict(exc):
                raise
            # A twin with the same key committed first: undo ours and answer with theirs.
            await uow.session.rollback()
            stored = await replay(
                uow.session, principal=principal, key=key, fingerprint=fingerprint
            )
            if stored is None:
                raise Conflict(
                    "A concurrent request with this Idempotency-Key is in progress"
                ) from None
            return stored
    await uow.commit()
    return Response(
        content=rendered,
        status_code=status_code,
        headers=dict(headers),
        media_type="application/json",
    )
