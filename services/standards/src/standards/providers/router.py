import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.app import DatabaseDep, SessionDep
from shared.http.etag import make_etag, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, OperationResult, run_idempotent
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import NotFound
from standards.auth import StandardsAdmin, StandardsReader
from standards.outbox import request_publisher
from standards.programmes.router import ProgrammeCodePath
from standards.providers import service as provider_service
from standards.providers.domain import AccreditationStatus, accreditation_day, is_live
from standards.providers.models import Accreditation, Provider
from standards.providers.schemas import (
    AccreditationCreate,
    AccreditationOnDay,
    AccreditationRead,
    AccreditationSummary,
    ProviderCreate,
    ProviderRead,
)

router = APIRouter(prefix="/v1/providers", tags=["providers"])


def _provider_read(provider: Provider, latest: Sequence[Accreditation]) -> ProviderRead:
    return ProviderRead(
        id=provider.id,
        name=provider.name,
        ukprn=provider.ukprn,
        org_code=provider.org_code,
        version=provider.version,
        created_at=provider.created_at,
        accreditations=[AccreditationSummary.model_validate(row) for row in latest],
    )


async def _read_one(session: AsyncSession, provider: Provider) -> ProviderRead:
    latest = await provider_service.latest_accreditations(
        session=session, provider_ids=[provider.id]
    )
    return _provider_read(provider, latest.get(provider.id, []))


@router.post("", status_code=201, response_model=ProviderRead)
async def create_provider(
    body: ProviderCreate,
    request: Request,
    principal: StandardsAdmin,
    db: DatabaseDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Register a training provider."""

    async def create(session: AsyncSession) -> OperationResult:
        provider = await provider_service.create_provider(session=session, provider_in=body)
        headers = {
            "Location": f"/v1/providers/{provider.id}",
            "ETag": make_etag(provider.id, provider.version),
        }
        return 201, await _read_one(session, provider), headers

    return await run_idempotent(db, request, principal, create, key=idempotency_key)


@router.get("", response_model=Page[ProviderRead])
async def list_providers(
    page: PageQuery, principal: StandardsReader, session: SessionDep
) -> Page[ProviderRead]:
    """Training providers, ordered by name."""
    rows = await provider_service.list_providers(session=session, page=page)
    latest = await provider_service.latest_accreditations(
        session=session, provider_ids=[row.id for row in rows[: page.limit]]
    )
    return make_page(
        rows,
        page,
        key_fn=lambda p: (p.name, p.id),
        item=lambda p: _provider_read(p, latest.get(p.id, [])),
    )


@router.get("/{provider_id}", response_model=ProviderRead)
async def get_provider(
    provider_id: uuid.UUID, principal: StandardsReader, session: SessionDep, response: Response
) -> ProviderRead:
    provider = await provider_service.require_provider(session=session, provider_id=provider_id)
    set_etag(response, provider.id, provider.version)
    return await _read_one(session, provider)


@router.post("/{provider_id}/accreditations", status_code=201, response_model=AccreditationRead)
async def record_accreditation(
    provider_id: uuid.UUID,
    body: AccreditationCreate,
    request: Request,
    principal: StandardsAdmin,
    db: DatabaseDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Record an accreditation decision (grant, suspend, withdraw) for one programme.

    Decisions are kept as a log: on any day, the latest decision whose window covers that day
    says whether the provider was accredited. Emits `provider.accreditation.changed`.
    """

    async def record(session: AsyncSession) -> OperationResult:
        accreditation = await provider_service.record_accreditation(
            session=session,
            publish=request_publisher(session, request),
            provider_id=provider_id,
            decision_in=body,
            recorded_by=principal.subject,
        )
        location = f"/v1/providers/{provider_id}/accreditations/{accreditation.id}"
        return 201, AccreditationRead.model_validate(accreditation), {"Location": location}

    return await run_idempotent(db, request, principal, record, key=idempotency_key)


@router.get("/{provider_id}/accreditations", response_model=Page[AccreditationRead])
async def list_accreditations(
    provider_id: uuid.UUID, page: PageQuery, principal: StandardsReader, session: SessionDep
) -> Page[AccreditationRead]:
    """The provider's accreditation decisions, oldest first."""
    await provider_service.require_provider(session=session, provider_id=provider_id)
    rows = await provider_service.list_accreditations(
        session=session, provider_id=provider_id, page=page
    )
    return make_page(
        rows, page, key_fn=lambda a: (a.seq, a.id), item=AccreditationRead.model_validate
    )


@router.get("/{provider_id}/accreditations/{accreditation_id}", response_model=AccreditationRead)
async def get_accreditation(
    provider_id: uuid.UUID,
    accreditation_id: uuid.UUID,
    principal: StandardsReader,
    session: SessionDep,
) -> AccreditationRead:
    accreditation = await provider_service.get_accreditation(
        session=session, provider_id=provider_id, accreditation_id=accreditation_id
    )
    if accreditation is None:
        raise NotFound(f"Provider {provider_id} has no accreditation decision {accreditation_id}")
    return AccreditationRead.model_validate(accreditation)


@router.get("/{provider_id}/programmes/{code}/accreditation", response_model=AccreditationOnDay)
async def accreditation_on_day(
    provider_id: uuid.UUID,
    code: ProgrammeCodePath,
    principal: StandardsReader,
    session: SessionDep,
    on: Annotated[
        date | None, Query(description="The English calendar day; default: today")
    ] = None,
) -> AccreditationOnDay:
    """Was the provider accredited for the programme on that day, and by which decision?"""
    await provider_service.require_provider(session=session, provider_id=provider_id)
    day = on or accreditation_day(datetime.now(UTC))
    decision = await provider_service.decision_in_force(
        session=session, provider_id=provider_id, programme_code=code.upper(), day=day
    )
    return AccreditationOnDay(
        provider_id=provider_id,
        programme_code=code.upper(),
        on=day,
        live=decision is not None and is_live(AccreditationStatus(decision.status)),
        decision=AccreditationRead.model_validate(decision) if decision is not None else None,
    )
