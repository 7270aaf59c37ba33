import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from shared.app import DatabaseDep, SessionDep
from shared.http.auth import Principal, require_scopes
from shared.http.idempotency import IdempotencyKeyHeader, run_idempotent_in
from shared.http.pagination import Page, PageQuery, make_page
from shared.uow import UnitOfWork
from talent.indicators import domain
from talent.indicators import service as indicator_service
from talent.indicators.schemas import PublicationRead, PublicationRequest
from talent.organisations import service as organisation_service
from talent.settings import Settings

router = APIRouter(prefix="/v1/indicator-publications", tags=["indicators"])

Analyst = Annotated[Principal, Depends(require_scopes("talent:analytics"))]


@router.post("", status_code=201, response_model=PublicationRead)
async def publish_indicators(
    body: PublicationRequest,
    request: Request,
    principal: Analyst,
    db: DatabaseDep,
    key: IdempotencyKeyHeader,
) -> Response:
    """Publish the organisation's indicators now (leadership.indicators.published.v1), for the
    current quarter; the quarterly sweep publishes the finished quarter on its own."""
    organisation = organisation_service.visible_or_403(principal, body.org_code)
    settings: Settings = request.app.state.settings
    async with UnitOfWork(
        db, service_name=settings.service_name, traceparent=request.headers.get("traceparent")
    ) as uow:

        async def create() -> tuple[int, Any, Mapping[str, str]]:
            publication = await indicator_service.publish(
                uow=uow,
                org_code=organisation.ods_code,
                period=domain.quarter_of(datetime.now(UTC).date()),
                trigger="on_demand",
            )
            assert publication is not None  # on-demand publications never collide
            read = PublicationRead.model_validate(publication)
            return 201, read, {"Location": f"/v1/indicator-publications/{read.id}"}

        return await run_idempotent_in(
            uow.session, request, principal, create, commit=uow.commit, key=key
        )


@router.get("", response_model=Page[PublicationRead])
async def list_indicator_publications(
    principal: Analyst,
    session: SessionDep,
    page: PageQuery,
    org_code: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{3,5}$")] = None,
) -> Page[PublicationRead]:
    rows = await indicator_service.list_publications(
        session=session,
        principal=principal,
        page=page,
        org_code=org_code.upper() if org_code else None,
    )
    return make_page(
        rows, page, key_fn=lambda p: (p.published_at, p.id), item=PublicationRead.model_validate
    )


@router.get("/{publication_id}", response_model=PublicationRead)
async def get_indicator_publication(
    publication_id: uuid.UUID, principal: Analyst, session: SessionDep
) -> PublicationRead:
    publication = await indicator_service.get_publication(
        session=session, principal=principal, publication_id=publication_id
    )
    return PublicationRead.model_validate(publication)
