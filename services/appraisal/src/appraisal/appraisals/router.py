import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.appraisals import service as appraisal_service
from appraisal.appraisals.domain import FIRST_CYCLE_YEAR, AppraisalKind, AppraisalStatus
from appraisal.appraisals.events import PERSON_ID_PATTERN
from appraisal.appraisals.schemas import (
    AppraisalCreate,
    AppraisalPatch,
    AppraisalRead,
    StatusChangeRead,
    TransitionRequest,
)
from appraisal.settings import Settings
from shared.app import DatabaseDep, SessionDep, UnitOfWorkDep, get_settings
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, make_etag, set_etag
from shared.http.idempotency import (
    IdempotencyKeyHeader,
    run_idempotent,
    run_idempotent_in,
)
from shared.http.pagination import Page, PageQuery, make_page
from shared.uow import UnitOfWork

router = APIRouter(prefix="/v1/appraisals", tags=["appraisals"])

AppraisalReader = Annotated[Principal, Depends(require_scopes("appraisal:read"))]
AppraisalWriter = Annotated[Principal, Depends(require_scopes("appraisal:write"))]


def _settings(request: Request) -> Settings:
    settings = get_settings(request)
    assert isinstance(settings, Settings)
    return settings


AppraisalSettings = Annotated[Settings, Depends(_settings)]

_ETAG_HEADER = {
    "ETag": {"description": "Strong ETag of the returned version", "schema": {"type": "string"}}
}
# OpenAPI links from every response that returns an appraisal to what a client does next with
# it, carrying the ETag as the If-Match a change needs; the stateful fuzz tests follow them.
_THIS_APPRAISAL = {"path.appraisal_id": "$response.body#/id"}
_THIS_VERSION = {**_THIS_APPRAISAL, "header.If-Match": "$response.header.ETag"}
_FOLLOW_UPS = {
    "get_appraisal": {"operationId": "get_appraisal", "parameters": _THIS_APPRAISAL},
    "update_appraisal": {"operationId": "update_appraisal", "parameters": _THIS_VERSION},
    "transition_appraisal": {"operationId": "transition_appraisal", "parameters": _THIS_VERSION},
}
_RETURNS_APPRAISAL = {"headers": _ETAG_HEADER, "links": _FOLLOW_UPS}


def _headers_of(appraisal: AppraisalRead) -> dict[str, str]:
    return {"ETag": make_etag(appraisal.id, appraisal.version)}


@router.post(
    "",
    status_code=201,
    response_model=AppraisalRead,
    responses={201: _RETURNS_APPRAISAL},
)
async def create_appraisal(
    appraisal_in: AppraisalCreate,
    request: Request,
    principal: AppraisalWriter,
    db: DatabaseDep,
    settings: AppraisalSettings,
    key: IdempotencyKeyHeader,
) -> Response:
    """Open a person's appraisal for a cycle, not started yet.

    The appraiser must be someone else and, under the blocking policy, hold a valid
    NHS-APPRAISAL-SKILLS credential (422 naming the rule); under the warning policy the
    response carries a warning instead. A board role makes it a board-member appraisal.
    """

    async def create(session: AsyncSession) -> tuple[int, Any, Mapping[str, str]]:
        appraisal = await appraisal_service.create_appraisal(
            session=session, principal=principal, settings=settings, appraisal_in=appraisal_in
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
    kind: AppraisalKind | None = None,
    cycle_id: uuid.UUID | None = None,
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
        kind=kind,
        cycle_id=cycle_id,
    )
    return make_page(
        rows, page, key_fn=lambda a: (a.created_at, a.id), item=AppraisalRead.from_model
    )


@router.get("/{appraisal_id}", response_model=AppraisalRead, responses={200: _RETURNS_APPRAISAL})
async def get_appraisal(
    appraisal_id: uuid.UUID, principal: AppraisalReader, session: SessionDep, response: Response
) -> AppraisalRead:
    appraisal = await appraisal_service.get_appraisal(
        session=session, principal=principal, appraisal_id=appraisal_id
    )
    set_etag(response, appraisal.id, appraisal.version)
    return AppraisalRead.from_model(appraisal)


@router.patch("/{appraisal_id}", response_model=AppraisalRead, responses={200: _RETURNS_APPRAISAL})
async def update_appraisal(
    appraisal_id: uuid.UUID,
    patch: AppraisalPatch,
    if_match: IfMatchHeader,
    principal: AppraisalWriter,
    uow: UnitOfWorkDep,
    settings: AppraisalSettings,
    response: Response,
) -> AppraisalRead:
    """Set the content: objectives, outcomes, behaviour scores, aspirations, development,
    FPPT confirmation (board) and answers to local questions. Only until the first signature."""
    appraisal = await appraisal_service.update_content(
        uow=uow,
        principal=principal,
        settings=settings,
        appraisal_id=appraisal_id,
        if_match=if_match,
        patch=patch,
    )
    body = AppraisalRead.from_model(appraisal)
    await uow.commit()
    set_etag(response, body.id, body.version)
    return body


@router.post(
    "/{appraisal_id}/transitions",
    response_model=AppraisalRead,
    responses={200: _RETURNS_APPRAISAL},
)
async def transition_appraisal(
    appraisal_id: uuid.UUID,
    transition: TransitionRequest,
    if_match: IfMatchHeader,
    request: Request,
    principal: AppraisalWriter,
    uow: UnitOfWorkDep,
    settings: AppraisalSettings,
    key: IdempotencyKeyHeader,
) -> Response:
    """Move along not_started → preparation → meeting → signed_by_appraisee or
    signed_by_appraiser → completed; ``reopened`` (with a reason_code) takes a completed
    appraisal back to the meeting; ``cancelled`` (with a cancel_reason) ends it.

    Each signature checks every mandatory section (422 listing every unmet rule). Completing
    publishes leadership.appraisal.completed.v1, reopening leadership.appraisal.reopened.v1.
    A NED may sign with ``appraisee_agrees: false``: the chair's assessment stands and the
    disagreement is recorded. Every move is written to the appraisal's history.
    """

    async def move() -> tuple[int, Any, Mapping[str, str]]:
        appraisal = await appraisal_service.change_status(
            uow=uow,
            principal=principal,
            settings=settings,
            appraisal_id=appraisal_id,
            if_match=if_match,
            transition=transition,
        )
        body = AppraisalRead.from_model(appraisal)
        return 200, body, _headers_of(body)

    return await _once(uow, request, principal, key, move)


@router.get("/{appraisal_id}/history", response_model=Page[StatusChangeRead])
async def appraisal_history(
    appraisal_id: uuid.UUID, principal: AppraisalReader, session: SessionDep, page: PageQuery
) -> Page[StatusChangeRead]:
    """Every move of the appraisal: who, when, from, to and why, oldest first."""
    rows = await appraisal_service.history(
        session=session, principal=principal, appraisal_id=appraisal_id, page=page
    )
    return make_page(
        rows, page, key_fn=lambda c: (c.changed_at, c.id), item=StatusChangeRead.from_model
    )


async def _once(
    uow: UnitOfWork,
    request: Request,
    principal: Principal,
    key: str | None,
    operation: Callable[[], Awaitable[tuple[int, Any, Mapping[str, str]]]],
) -> Response:
    """Run ``operation`` in the unit of work and commit it with its Idempotency-Key record.

    `run_idempotent` owns its session, but an event must be published through this unit of
    work, so `run_idempotent_in` runs it inside the unit of work instead. It claims the key
    before the operation runs: a retry racing the first attempt waits for it and replays its
    response, rather than failing the If-Match the first attempt has just moved on.
    """
    return await run_idempotent_in(
        uow.session, request, principal, operation, commit=uow.commit, key=key
    )
