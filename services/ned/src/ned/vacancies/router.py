"""Vacancies, campaigns and applications, each step taken only by the body entitled to it."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from ned.vacancies import service as vacancy_service
from ned.vacancies.domain import CampaignStage
from ned.vacancies.models import Vacancy
from ned.vacancies.schemas import (
    ApplicationCreate,
    ApplicationRead,
    ApplicationStep,
    CampaignMove,
    CampaignStepRead,
    ShortlistDiversity,
    VacancyCreate,
    VacancyRead,
)
from shared.app import SessionDep, UnitOfWorkDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, make_etag, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, OperationResult, run_idempotent_in
from shared.http.pagination import Page, PageQuery, make_page
from shared.uow import UnitOfWork

router = APIRouter(prefix="/v1/vacancies", tags=["vacancies"])

NedReader = Annotated[Principal, Depends(require_scopes("ned:read"))]
NedWriter = Annotated[Principal, Depends(require_scopes("ned:write"))]


def _read(vacancy: Vacancy) -> VacancyRead:
    return VacancyRead.model_validate(vacancy)


async def _once(
    uow: UnitOfWork,
    request: Request,
    principal: Principal,
    key: str | None,
    operation: Callable[[], Awaitable[OperationResult]],
) -> Response:
    # In the unit of work, so the change, its events and the stored response commit together.
    return await run_idempotent_in(
        uow.session, request, principal, operation, commit=uow.commit, key=key
    )


@router.post("", status_code=201, response_model=VacancyRead)
async def open_vacancy(
    body: VacancyCreate,
    request: Request,
    principal: NedWriter,
    uow: UnitOfWorkDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Open a campaign for a seat (planned term end, resignation ...). Its role description
    must cover the six LCF domains. Only the appointing body may open it: NHS England for NHS
    trust chairs and NEDs and ICB chairs, the council of governors for a foundation trust, the
    ICB itself (its chair, with ``ned:govern`` bound to the ICB) for an ICB's non-executive and
    partner members. Publishes ``vacancy.opened``."""

    async def create() -> OperationResult:
        vacancy = await vacancy_service.open_vacancy(
            session=uow.session, uow=uow, principal=principal, vacancy_in=body
        )
        headers = {
            "Location": f"/v1/vacancies/{vacancy.id}",
            "ETag": make_etag(vacancy.id, vacancy.version),
        }
        return 201, _read(vacancy), headers

    return await _once(uow, request, principal, idempotency_key, create)


@router.get("", response_model=Page[VacancyRead])
async def list_vacancies(
    page: PageQuery,
    principal: NedReader,
    session: SessionDep,
    org_code: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{3,5}$")] = None,
    stage: CampaignStage | None = None,
) -> Page[VacancyRead]:
    rows = await vacancy_service.list_vacancies(
        session=session, principal=principal, page=page, org_code=org_code, stage=stage
    )
    return make_page(rows, page, key_fn=lambda v: (v.id, v.id), item=_read)


@router.get("/{vacancy_id}", response_model=VacancyRead)
async def get_vacancy(
    vacancy_id: uuid.UUID, principal: NedReader, session: SessionDep, response: Response
) -> VacancyRead:
    vacancy = await vacancy_service.get_vacancy(
        session=session, principal=principal, vacancy_id=vacancy_id
    )
    set_etag(response, vacancy.id, vacancy.version)
    return _read(vacancy)


@router.post("/{vacancy_id}/transitions", response_model=VacancyRead)
async def move_vacancy_campaign(
    vacancy_id: uuid.UUID,
    body: CampaignMove,
    if_match: IfMatchHeader,
    principal: NedWriter,
    uow: UnitOfWorkDep,
    response: Response,
) -> VacancyRead:
    """Move the campaign along open → closed → sift → interview → decision (or withdraw it);
    the appointing body only (If-Match: the vacancy's ETag)."""
    vacancy = await vacancy_service.move_campaign(
        session=uow.session,
        principal=principal,
        vacancy_id=vacancy_id,
        target=CampaignStage(body.to),
        if_match=if_match,
    )
    result = _read(vacancy)
    await uow.commit()
    set_etag(response, vacancy.id, vacancy.version)
    return result


@router.post("/{vacancy_id}/assistance-request", response_model=VacancyRead)
async def request_nhse_assistance(
    vacancy_id: uuid.UUID,
    if_match: IfMatchHeader,
    principal: NedWriter,
    uow: UnitOfWorkDep,
    response: Response,
) -> VacancyRead:
    """A foundation trust's council of governors asks NHS England to assist the campaign:
    NHS England may then put candidates forward, and still decides nothing."""
    vacancy = await vacancy_service.request_assistance(
        session=uow.session, principal=principal, vacancy_id=vacancy_id, if_match=if_match
    )
    result = _read(vacancy)
    await uow.commit()
    set_etag(response, vacancy.id, vacancy.version)
    return result


@router.post("/{vacancy_id}/applications", status_code=201, response_model=ApplicationRead)
async def create_application(
    vacancy_id: uuid.UUID,
    body: ApplicationCreate,
    request: Request,
    principal: NedWriter,
    uow: UnitOfWorkDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Put a pool candidate forward while the campaign is open (the appointing body, or NHS
    England when a foundation trust asked it to assist)."""

    async def create() -> OperationResult:
        application, candidate = await vacancy_service.add_application(
            session=uow.session,
            principal=principal,
            vacancy_id=vacancy_id,
            candidate_id=body.candidate_id,
        )
        headers = {
            "Location": f"/v1/vacancies/{vacancy_id}/applications/{application.id}",
            "ETag": make_etag(application.id, application.version),
        }
        return 201, vacancy_service.application_read(application, candidate.person_id), headers

    return await _once(uow, request, principal, idempotency_key, create)


@router.get("/{vacancy_id}/applications", response_model=Page[ApplicationRead])
async def list_applications(
    vacancy_id: uuid.UUID, page: PageQuery, principal: NedReader, session: SessionDep
) -> Page[ApplicationRead]:
    rows = await vacancy_service.list_applications(
        session=session, principal=principal, vacancy_id=vacancy_id, page=page
    )
    people = await vacancy_service.person_ids(session, [a.candidate_id for a in rows])
    return make_page(
        rows,
        page,
        key_fn=lambda a: (a.id, a.id),
        item=lambda a: vacancy_service.application_read(a, people[a.candidate_id]),
    )


@router.get("/{vacancy_id}/applications/{application_id}", response_model=ApplicationRead)
async def get_application(
    vacancy_id: uuid.UUID,
    application_id: uuid.UUID,
    principal: NedReader,
    session: SessionDep,
    response: Response,
) -> ApplicationRead:
    application = await vacancy_service.get_application(
        session=session,
        principal=principal,
        vacancy_id=vacancy_id,
        application_id=application_id,
    )
    people = await vacancy_service.person_ids(session, [application.candidate_id])
    set_etag(response, application.id, application.version)
    return vacancy_service.application_read(application, people[application.candidate_id])


@router.post("/{vacancy_id}/applications/{application_id}/steps", response_model=ApplicationRead)
async def step_application(
    vacancy_id: uuid.UUID,
    application_id: uuid.UUID,
    body: ApplicationStep,
    if_match: IfMatchHeader,
    request: Request,
    principal: NedWriter,
    uow: UnitOfWorkDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Longlist, shortlist, interview, recommend or appoint (or reject, withdraw) — the
    appointing body only; 403 problem for anyone else, NHS England assisting included.
    Appointing creates the appointment, pending its fit and proper person test."""

    async def move() -> OperationResult:
        application = await vacancy_service.step_application(
            session=uow.session,
            principal=principal,
            vacancy_id=vacancy_id,
            application_id=application_id,
            step=body,
            if_match=if_match,
        )
        people = await vacancy_service.person_ids(uow.session, [application.candidate_id])
        read = vacancy_service.application_read(application, people[application.candidate_id])
        return 200, read, {"ETag": make_etag(application.id, application.version)}

    return await _once(uow, request, principal, idempotency_key, move)


@router.get("/{vacancy_id}/campaign-steps", response_model=Page[CampaignStepRead])
async def list_campaign_steps(
    vacancy_id: uuid.UUID, page: PageQuery, principal: NedReader, session: SessionDep
) -> Page[CampaignStepRead]:
    """Every decision of the campaign: who took it, acting as which body, and when."""
    rows = await vacancy_service.list_steps(
        session=session, principal=principal, vacancy_id=vacancy_id, page=page
    )
    return make_page(
        rows, page, key_fn=lambda s: (s.seq, s.id), item=CampaignStepRead.model_validate
    )


@router.get("/{vacancy_id}/shortlist-diversity", response_model=ShortlistDiversity)
async def get_shortlist_diversity(
    vacancy_id: uuid.UUID, principal: NedReader, uow: UnitOfWorkDep
) -> ShortlistDiversity:
    """The shortlist against the applicant pool by sex, ethnic group and disability, after
    disclosure control."""
    report = await vacancy_service.shortlist_diversity(
        session=uow.session, principal=principal, vacancy_id=vacancy_id
    )
    await uow.commit()
    return report
