"""Appointments, terms and tenure; NHS England-agreed tenure extensions; term-end forecasts."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ned.appointments import service as appointment_service
from ned.appointments.domain import AppointmentStatus
from ned.appointments.models import Appointment
from ned.appointments.schemas import (
    PERSON_ID_PATTERN,
    AppointmentCreate,
    AppointmentRead,
    BoardForecast,
    ExtensionCreate,
    ExtensionRead,
    PastTermCreate,
    RegionForecast,
    TenureRead,
    TermEnd,
    TermExpiryRun,
)
from ned.fppt.schemas import IsoDate
from shared.app import DatabaseDep, SessionDep, UnitOfWorkDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, make_etag, set_etag
from shared.http.idempotency import (
    IdempotencyKeyHeader,
    OperationResult,
    run_idempotent,
    run_idempotent_in,
)
from shared.http.pagination import Page, PageQuery, make_page

router = APIRouter(tags=["appointments"])

NedReader = Annotated[Principal, Depends(require_scopes("ned:read"))]
NedWriter = Annotated[Principal, Depends(require_scopes("ned:write"))]
NedAdmin = Annotated[Principal, Depends(require_scopes("ned:admin"))]
NedAppointer = Annotated[Principal, Depends(require_scopes("ned:write", "ned:appoint"))]
OrgCodeQuery = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{3,5}$")]
PersonIdQuery = Annotated[str | None, Query(pattern=PERSON_ID_PATTERN)]


def _read(appointment: Appointment) -> AppointmentRead:
    return AppointmentRead.model_validate(appointment)


def _created(appointment: Appointment) -> OperationResult:
    headers = {
        "Location": f"/v1/appointments/{appointment.id}",
        "ETag": make_etag(appointment.id, appointment.version),
    }
    return 201, _read(appointment), headers


@router.post("/v1/appointments", status_code=201, response_model=AppointmentRead)
async def create_appointment(
    body: AppointmentCreate,
    request: Request,
    principal: NedWriter,
    db: DatabaseDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Appoint a person to a seat for a term. Only the appointing body may: NHS England for NHS
    trust chairs and NEDs and ICB chairs; a foundation trust's council of governors for its own.
    The appointment is ``pending_fppt`` until its fit and proper person test passes. A term
    taking service on the board beyond nine years is refused (409) unless NHS England has
    agreed an extension."""

    async def create(session: AsyncSession) -> OperationResult:
        appointment = await appointment_service.create_appointment(
            session=session, principal=principal, appointment_in=body
        )
        return _created(appointment)

    return await run_idempotent(db, request, principal, create, key=idempotency_key)


@router.post("/v1/past-terms", status_code=201, response_model=AppointmentRead)
async def record_past_term(
    body: PastTermCreate,
    request: Request,
    principal: NedWriter,
    db: DatabaseDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Record a term served before the board's records were kept here, so tenure counts it.
    Recorded by the appointing body; emits nothing."""

    async def create(session: AsyncSession) -> OperationResult:
        appointment = await appointment_service.record_past_term(
            session=session, principal=principal, term_in=body
        )
        return _created(appointment)

    return await run_idempotent(db, request, principal, create, key=idempotency_key)


@router.get("/v1/appointments", response_model=Page[AppointmentRead])
async def list_appointments(
    page: PageQuery,
    principal: NedReader,
    session: SessionDep,
    org_code: OrgCodeQuery = None,
    person_id: PersonIdQuery = None,
    status: AppointmentStatus | None = None,
) -> Page[AppointmentRead]:
    rows = await appointment_service.list_appointments(
        session=session,
        principal=principal,
        page=page,
        org_code=org_code,
        person_id=person_id,
        status=status,
    )
    return make_page(rows, page, key_fn=lambda a: (a.id, a.id), item=_read)


@router.get("/v1/appointments/{appointment_id}", response_model=AppointmentRead)
async def get_appointment(
    appointment_id: uuid.UUID, principal: NedReader, session: SessionDep, response: Response
) -> AppointmentRead:
    appointment = await appointment_service.get_appointment(
        session=session, principal=principal, appointment_id=appointment_id
    )
    set_etag(response, appointment.id, appointment.version)
    return _read(appointment)


@router.get("/v1/appointments/{appointment_id}/tenure", response_model=TenureRead)
async def get_appointment_tenure(
    appointment_id: uuid.UUID, principal: NedReader, session: SessionDep
) -> TenureRead:
    """Cumulative service on the board to the end of this term: beyond six years needs a
    rigorous review, beyond nine years an NHS England-agreed extension."""
    return await appointment_service.tenure_of(
        session=session, principal=principal, appointment_id=appointment_id
    )


@router.post("/v1/appointments/{appointment_id}/end", response_model=AppointmentRead)
async def end_appointment(
    appointment_id: uuid.UUID,
    body: TermEnd,
    if_match: IfMatchHeader,
    request: Request,
    principal: NedWriter,
    uow: UnitOfWorkDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """End a term (expiry, resignation, removal ...; If-Match: the appointment's ETag).
    An active term ends and publishes ``ned.term.ended``; a pending one is withdrawn. Removal
    is for the appointing body only."""

    async def end() -> OperationResult:
        appointment = await appointment_service.end_term(
            session=uow.session,
            uow=uow,
            principal=principal,
            appointment_id=appointment_id,
            end=body,
            if_match=if_match,
        )
        return 200, _read(appointment), {"ETag": make_etag(appointment.id, appointment.version)}

    return await _once(uow, request, principal, idempotency_key, end)


@router.post("/v1/admin/term-expiry-runs", response_model=TermExpiryRun)
async def run_term_expiry(principal: NedAdmin, uow: UnitOfWorkDep) -> TermExpiryRun:
    """End now the active terms whose last day has passed, on the boards within the token's
    reach, as the worker does daily: each ends on its planned last day with reason
    ``term_expired``, its seat is cleared and ``ned.term.ended`` is published. Overlapping
    runs end each term once; a run that finds nothing ends nothing. No vacancy is opened: that
    stays the appointing body's decision."""
    result = await appointment_service.run_term_expiry(
        session=uow.session, uow=uow, principal=principal, today=datetime.now(UTC).date()
    )
    await uow.commit()
    return result


async def _once(
    uow: UnitOfWorkDep,
    request: Request,
    principal: Principal,
    key: str | None,
    operation: Callable[[], Awaitable[OperationResult]],
) -> Response:
    # Inside the unit of work so the event and the stored response commit together.
    return await run_idempotent_in(
        uow.session, request, principal, operation, commit=uow.commit, key=key
    )


@router.post("/v1/tenure-extensions", status_code=201, response_model=ExtensionRead)
async def record_tenure_extension(
    body: ExtensionCreate,
    request: Request,
    principal: NedAppointer,
    db: DatabaseDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """NHS England (national or regional ``ned:appoint`` token) agrees that a board member may
    serve beyond nine years on a board, up to ``extends_to``."""

    async def create(session: AsyncSession) -> OperationResult:
        extension = await appointment_service.record_extension(
            session=session, principal=principal, extension_in=body
        )
        location = f"/v1/tenure-extensions/{extension.id}"
        return 201, ExtensionRead.model_validate(extension), {"Location": location}

    return await run_idempotent(db, request, principal, create, key=idempotency_key)


@router.get("/v1/tenure-extensions", response_model=Page[ExtensionRead])
async def list_tenure_extensions(
    page: PageQuery,
    principal: NedReader,
    session: SessionDep,
    org_code: OrgCodeQuery = None,
    person_id: PersonIdQuery = None,
) -> Page[ExtensionRead]:
    rows = await appointment_service.list_extensions(
        session=session, principal=principal, page=page, org_code=org_code, person_id=person_id
    )
    return make_page(rows, page, key_fn=lambda e: (e.id, e.id), item=ExtensionRead.model_validate)


@router.get("/v1/tenure-extensions/{extension_id}", response_model=ExtensionRead)
async def get_tenure_extension(
    extension_id: uuid.UUID, principal: NedReader, session: SessionDep
) -> ExtensionRead:
    extension = await appointment_service.get_extension(
        session=session, principal=principal, extension_id=extension_id
    )
    return ExtensionRead.model_validate(extension)


AsOf = Annotated[
    IsoDate | None,
    Query(description="The day the horizons are counted from (YYYY-MM-DD); today by default"),
]


@router.get("/v1/boards/{org_code}/term-end-forecast", response_model=BoardForecast)
async def get_board_term_end_forecast(
    org_code: Annotated[str, Path(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])],
    principal: NedReader,
    session: SessionDep,
    as_of: AsOf = None,
) -> BoardForecast:
    """The board's terms ending within the next 6, 12 and 18 months."""
    return await appointment_service.board_forecast(
        session=session,
        principal=principal,
        org_code=org_code,
        as_of=as_of or datetime.now(UTC).date(),
    )


@router.get("/v1/regions/{region_code}/term-end-forecast", response_model=RegionForecast)
async def get_region_term_end_forecast(
    region_code: Annotated[str, Path(pattern=r"^[Yy][0-9]{2}$", examples=["Y63"])],
    principal: NedReader,
    session: SessionDep,
    as_of: AsOf = None,
) -> RegionForecast:
    """Terms ending within the next 6, 12 and 18 months on each board of an NHS England region,
    and their totals, over the boards within the token's reach."""
    return await appointment_service.region_forecast(
        session=session,
        principal=principal,
        region_code=region_code,
        as_of=as_of or datetime.now(UTC).date(),
    )
