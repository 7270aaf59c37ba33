"""Vacancies and their campaigns, decided step by step by the body entitled to appoint."""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ned.appointments import service as appointment_service
from ned.appointments.service import EventSink
from ned.boards import domain as board_domain
from ned.boards import service as board_service
from ned.boards.domain import AppointingBody, SeatRole
from ned.candidates import service as candidate_service
from ned.candidates.models import Candidate, CandidateProtectedCharacteristics, RestrictedAccess
from ned.vacancies import domain
from ned.vacancies.domain import ApplicationStage, CampaignStage
from ned.vacancies.events import VacancyOpened
from ned.vacancies.models import Application, CampaignStep, Vacancy
from ned.vacancies.schemas import (
    ApplicationRead,
    ApplicationStep,
    DiversityDimension,
    DiversityGroup,
    ShortlistDiversity,
    VacancyCreate,
)
from shared.disclosure import control_count, control_rate, control_table
from shared.http.auth import Principal
from shared.http.etag import IfMatchPrecondition, check_version
from shared.http.pagination import PageParams, paginate
from shared.http.problems import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    UnprocessableEntity,
    invalid_input,
)
from shared.reference.organisations import get_organisation


def _campaign_conflict(exc: domain.CampaignRuleError) -> Conflict:
    return Conflict(str(exc))


def _check_dates(vacancy_in: VacancyCreate, today: date) -> None:
    errors = [
        FieldError(path="body.lcf_domains", message=m, type="value_error")
        for m in domain.check_role_description(vacancy_in.role_description, vacancy_in.lcf_domains)
    ]
    errors += [
        FieldError(
            path="body.lcf_domains", message=f"{code} is not an LCF domain", type="value_error"
        )
        for code in vacancy_in.lcf_domains
        if code not in domain.LCF_DOMAINS
    ]
    if vacancy_in.closing_date < today:
        errors.append(
            FieldError(
                path="body.closing_date", message="the closing date has passed", type="value_error"
            )
        )
    previous = ("closing_date", vacancy_in.closing_date)
    for name in ("sift_date", "interview_date", "decision_date"):
        value = getattr(vacancy_in, name)
        if value is None:
            continue
        if value < previous[1]:
            errors.append(
                FieldError(
                    path=f"body.{name}",
                    message=f"{name} comes after {previous[0]}",
                    type="value_error",
                )
            )
        previous = (name, value)
    if errors:
        raise UnprocessableEntity("The vacancy is not valid", errors=errors)


async def open_vacancy(
    *,
    session: AsyncSession,
    uow: EventSink,
    principal: Principal,
    vacancy_in: VacancyCreate,
    now: datetime | None = None,
) -> Vacancy:
    """Advertise a seat: only its appointing body may. Publishes ``vacancy.opened``."""
    now = now or datetime.now(UTC)
    organisation = board_service.require_board(vacancy_in.org_code, principal)
    await board_service.lock_board(session, organisation.ods_code)
    seat = await board_service.get_seat(
        session=session, org_code=organisation.ods_code, seat_id=vacancy_in.seat_id
    )
    body = appointment_service.entitled_body(organisation, SeatRole(seat.role))
    appointment_service.require_entitled(principal, body, organisation.ods_code)
    _check_dates(vacancy_in, now.date())
    running = await session.scalar(
        select(Vacancy.id).where(
            Vacancy.seat_id == seat.id,
            Vacancy.stage.in_([s.value for s in domain.ACTIVE_CAMPAIGN_STAGES]),
        )
    )
    if running is not None:
        raise Conflict("This seat already has a campaign running", vacancy_id=str(running))
    vacancy = Vacancy(
        id=uuid.uuid4(),
        seat_id=seat.id,
        org_code=organisation.ods_code,
        seat_role=seat.role,
        reason=vacancy_in.reason.value,
        appointing_body=body.value,
        role_description=vacancy_in.role_description,
        lcf_domains=sorted(set(vacancy_in.lcf_domains)),
        stage=CampaignStage.OPEN.value,
        opened_at=now,
        closing_date=vacancy_in.closing_date,
        sift_date=vacancy_in.sift_date,
        interview_date=vacancy_in.interview_date,
        decision_date=vacancy_in.decision_date,
        created_by=principal.subject,
    )
    session.add(vacancy)
    await session.flush()
    _step(session, vacancy, None, "opened", None, CampaignStage.OPEN.value, principal, body)
    await session.flush()
    await session.refresh(vacancy)
    await uow.publish(
        VacancyOpened(
            vacancy_id=vacancy.id,
            org_code=vacancy.org_code,
            seat_id=vacancy.seat_id,
            seat_role=vacancy.seat_role,
            appointing_body=vacancy.appointing_body,
            closing_date=vacancy.closing_date,
            opened_at=now,
        )
    )
    return vacancy


def _step(
    session: AsyncSession,
    vacancy: Vacancy,
    application: Application | None,
    action: str,
    from_stage: str | None,
    to_stage: str,
    principal: Principal,
    body: AppointingBody,
) -> None:
    session.add(
        CampaignStep(
            id=uuid.uuid4(),
            vacancy_id=vacancy.id,
            application_id=application.id if application else None,
            action=action,
            from_stage=from_stage,
            to_stage=to_stage,
            actor=principal.subject,
            acting_body=body.value,
        )
    )


async def get_vacancy(
    *,
    session: AsyncSession,
    principal: Principal,
    vacancy_id: uuid.UUID,
    for_update: bool = False,
) -> Vacancy:
    statement = select(Vacancy).where(Vacancy.id == vacancy_id)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    vacancy = await session.scalar(statement)
    if vacancy is None or not principal.can_see_org(vacancy.org_code):
        raise NotFound(f"No vacancy {vacancy_id}")
    return vacancy


async def list_vacancies(
    *,
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    org_code: str | None,
    stage: CampaignStage | None,
) -> Sequence[Vacancy]:
    statement = select(Vacancy)
    if (orgs := principal.reach_filter()) is not None:
        statement = statement.where(Vacancy.org_code.in_(orgs))
    if org_code is not None:
        statement = statement.where(Vacancy.org_code == org_code.upper())
    if stage is not None:
        statement = statement.where(Vacancy.stage == stage.value)
    statement = paginate(statement, sort_column=Vacancy.id, id_column=Vacancy.id, params=page)
    return (await session.scalars(statement)).all()


def _require_deciding_body(principal: Principal, vacancy: Vacancy) -> AppointingBody:
    """The appointing body, or 403: assisting NHS England never decides for governors."""
    body = AppointingBody(vacancy.appointing_body)
    appointment_service.require_entitled(principal, body, vacancy.org_code)
    return body


async def move_campaign(
    *,
    session: AsyncSession,
    principal: Principal,
    vacancy_id: uuid.UUID,
    target: CampaignStage,
    if_match: IfMatchPrecondition,
) -> Vacancy:
    expected = if_match.version_for(vacancy_id)
    vacancy = await get_vacancy(
        session=session, principal=principal, vacancy_id=vacancy_id, for_update=True
    )
    body = _require_deciding_body(principal, vacancy)
    check_version(vacancy.version, expected)
    current = CampaignStage(vacancy.stage)
    try:
        domain.check_campaign_move(current, target)
    except domain.CampaignRuleError as exc:
        raise _campaign_conflict(exc) from None
    vacancy.stage = target.value
    _step(session, vacancy, None, "campaign", current.value, target.value, principal, body)
    await session.flush()
    await session.refresh(vacancy)
    return vacancy


async def request_assistance(
    *,
    session: AsyncSession,
    principal: Principal,
    vacancy_id: uuid.UUID,
    if_match: IfMatchPrecondition,
    now: datetime | None = None,
) -> Vacancy:
    """A foundation trust's governors ask NHS England to assist their campaign. Recorded; it
    lets NHS England put candidates forward, never decide."""
    expected = if_match.version_for(vacancy_id)
    vacancy = await get_vacancy(
        session=session, principal=principal, vacancy_id=vacancy_id, for_update=True
    )
    if vacancy.appointing_body != AppointingBody.COUNCIL_OF_GOVERNORS.value:
        raise Conflict(
            f"Only a foundation trust's governors ask NHS England to assist; this seat is "
            f"appointed by {vacancy.appointing_body}"
        )
    body = _require_deciding_body(principal, vacancy)
    check_version(vacancy.version, expected)
    if vacancy.nhse_assistance_requested_at is not None:
        raise Conflict("NHS England's assistance was already requested for this campaign")
    if CampaignStage(vacancy.stage) not in domain.ACTIVE_CAMPAIGN_STAGES:
        raise Conflict(f"The campaign is {vacancy.stage}")
    vacancy.nhse_assistance_requested_at = now or datetime.now(UTC)
    vacancy.nhse_assistance_requested_by = principal.subject
    _step(
        session,
        vacancy,
        None,
        "assistance_requested",
        vacancy.stage,
        vacancy.stage,
        principal,
        body,
    )
    await session.flush()
    await session.refresh(vacancy)
    return vacancy


def _acting_for_application(principal: Principal, vacancy: Vacancy) -> AppointingBody:
    """Who may put a candidate forward: the appointing body, or NHS England assisting a
    foundation trust that asked it to."""
    body = AppointingBody(vacancy.appointing_body)
    if board_domain.acts_for(principal, body, vacancy.org_code):
        return body
    if vacancy.nhse_assistance_requested_at is not None and board_domain.acts_for(
        principal, AppointingBody.NHS_ENGLAND, vacancy.org_code
    ):
        return AppointingBody.NHS_ENGLAND
    raise Forbidden(
        f"Only the appointing body of {vacancy.org_code} (or NHS England when the foundation "
        "trust has asked it to assist) may put candidates forward"
    )


async def add_application(
    *,
    session: AsyncSession,
    principal: Principal,
    vacancy_id: uuid.UUID,
    candidate_id: uuid.UUID,
) -> tuple[Application, Candidate]:
    vacancy = await get_vacancy(
        session=session, principal=principal, vacancy_id=vacancy_id, for_update=True
    )
    acting = _acting_for_application(principal, vacancy)
    if vacancy.stage != CampaignStage.OPEN.value:
        raise Conflict(f"Applications are taken while the campaign is open; it is {vacancy.stage}")
    try:
        candidate = await candidate_service.get_candidate(
            session=session, principal=principal, candidate_id=candidate_id
        )
    except NotFound:
        raise invalid_input("body.candidate_id", "no such candidate within your reach") from None
    exists = await session.scalar(
        select(Application.id).where(
            Application.vacancy_id == vacancy.id, Application.candidate_id == candidate.id
        )
    )
    if exists is not None:
        raise Conflict("This candidate has already applied", application_id=str(exists))
    application = Application(
        id=uuid.uuid4(),
        vacancy_id=vacancy.id,
        candidate_id=candidate.id,
        org_code=vacancy.org_code,
        stage=ApplicationStage.APPLIED.value,
    )
    session.add(application)
    await session.flush()
    _step(session, vacancy, application, "application", None, "applied", principal, acting)
    await session.flush()
    await session.refresh(application)
    return application, candidate


def application_read(application: Application, person_id: str) -> ApplicationRead:
    return ApplicationRead(
        id=application.id,
        vacancy_id=application.vacancy_id,
        candidate_id=application.candidate_id,
        person_id=person_id,
        org_code=application.org_code,
        stage=ApplicationStage(application.stage),
        appointment_id=application.appointment_id,
        version=application.version,
    )


async def person_ids(
    session: AsyncSession, candidate_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not candidate_ids:
        return {}
    rows = await session.execute(
        select(Candidate.id, Candidate.person_id).where(Candidate.id.in_(candidate_ids))
    )
    return {row.id: row.person_id for row in rows}


async def get_application(
    *,
    session: AsyncSession,
    principal: Principal,
    vacancy_id: uuid.UUID,
    application_id: uuid.UUID,
    for_update: bool = False,
) -> Application:
    await get_vacancy(session=session, principal=principal, vacancy_id=vacancy_id)
    statement = select(Application).where(
        Application.id == application_id, Application.vacancy_id == vacancy_id
    )
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    application = await session.scalar(statement)
    if application is None:
        raise NotFound(f"Vacancy {vacancy_id} has no application {application_id}")
    return application


async def list_applications(
    *, session: AsyncSession, principal: Principal, vacancy_id: uuid.UUID, page: PageParams
) -> Sequence[Application]:
    await get_vacancy(session=session, principal=principal, vacancy_id=vacancy_id)
    statement = paginate(
        select(Application).where(Application.vacancy_id == vacancy_id),
        sort_column=Application.id,
        id_column=Application.id,
        params=page,
    )
    return (await session.scalars(statement)).all()


async def step_application(
    *,
    session: AsyncSession,
    principal: Principal,
    vacancy_id: uuid.UUID,
    application_id: uuid.UUID,
    step: ApplicationStep,
    if_match: IfMatchPrecondition,
) -> Application:
    """Longlist, shortlist, interview, recommend, appoint (or reject, withdraw): each by the
    appointing body alone. Appointing creates the appointment, pending its FPPT, and fills
    the vacancy."""
    expected = if_match.version_for(application_id)
    vacancy = await get_vacancy(
        session=session, principal=principal, vacancy_id=vacancy_id, for_update=True
    )
    body = _require_deciding_body(principal, vacancy)
    application = await get_application(
        session=session,
        principal=principal,
        vacancy_id=vacancy_id,
        application_id=application_id,
        for_update=True,
    )
    check_version(application.version, expected)
    current = ApplicationStage(application.stage)
    target = ApplicationStage(step.to)
    try:
        domain.check_application_step(current, target, CampaignStage(vacancy.stage))
    except domain.CampaignRuleError as exc:
        raise _campaign_conflict(exc) from None
    if target is ApplicationStage.APPOINTED:
        if step.term_start is None or step.term_end is None:
            raise invalid_input("body.term_start", "appointing needs term_start and term_end")
        candidate = await session.get(Candidate, application.candidate_id)
        assert candidate is not None
        organisation = get_organisation(vacancy.org_code)
        assert organisation is not None
        appointment = await appointment_service.create_pending_appointment(
            session=session,
            principal=principal,
            organisation=organisation,
            seat_id=vacancy.seat_id,
            person_id=candidate.person_id,
            term_start=step.term_start,
            term_end=step.term_end,
            vacancy_id=vacancy.id,
        )
        application.appointment_id = appointment.id
        _step(session, vacancy, None, "campaign", vacancy.stage, "filled", principal, body)
        vacancy.stage = CampaignStage.FILLED.value
    elif step.term_start is not None or step.term_end is not None:
        raise invalid_input("body.term_start", "a term is given only when appointing")
    application.stage = target.value
    _step(
        session, vacancy, application, "application", current.value, target.value, principal, body
    )
    await session.flush()
    await session.refresh(application)
    return application


async def list_steps(
    *, session: AsyncSession, principal: Principal, vacancy_id: uuid.UUID, page: PageParams
) -> Sequence[CampaignStep]:
    await get_vacancy(session=session, principal=principal, vacancy_id=vacancy_id)
    statement = paginate(
        select(CampaignStep).where(CampaignStep.vacancy_id == vacancy_id),
        sort_column=CampaignStep.seq,
        id_column=CampaignStep.id,
        params=page,
    )
    return (await session.scalars(statement)).all()


def _group(dimension: str, row: CandidateProtectedCharacteristics | None) -> str:
    if dimension == "sex":
        return row.sex if row is not None and row.sex else "not_declared"
    if dimension == "disability":
        return row.disability if row is not None and row.disability else "not_declared"
    return domain.ethnic_group(row.ethnic_category if row is not None else None).value


DIMENSION_GROUPS: dict[str, tuple[str, ...]] = {
    "sex": ("female", "male", "not_declared", "not_known"),
    "ethnicity": tuple(g.value for g in domain.EthnicGroup),
    "disability": ("yes", "no", "not_declared", "not_known"),
}


async def shortlist_diversity(
    *, session: AsyncSession, principal: Principal, vacancy_id: uuid.UUID
) -> ShortlistDiversity:
    """The shortlist against the applicant pool by sex, ethnic group and disability, through
    the shared disclosure control. Reading the characteristics behind it is audited."""
    vacancy = await get_vacancy(session=session, principal=principal, vacancy_id=vacancy_id)
    applications = list(
        await session.scalars(select(Application).where(Application.vacancy_id == vacancy.id))
    )
    shortlisted_ids = set(
        await session.scalars(
            select(CampaignStep.application_id).where(
                CampaignStep.vacancy_id == vacancy.id,
                CampaignStep.to_stage == ApplicationStage.SHORTLISTED.value,
            )
        )
    )
    characteristics = {
        row.candidate_id: row
        for row in await session.scalars(
            select(CandidateProtectedCharacteristics).where(
                CandidateProtectedCharacteristics.candidate_id.in_(
                    [a.candidate_id for a in applications]
                )
            )
        )
    }
    session.add(
        RestrictedAccess(
            subject=principal.subject,
            action="aggregate",
            record_type="vacancy_diversity",
            record_id=vacancy.id,
            org_code=vacancy.org_code,
        )
    )
    dimensions = []
    for dimension, groups in DIMENSION_GROUPS.items():
        applicants = dict.fromkeys(groups, 0)
        shortlisted = dict.fromkeys(groups, 0)
        for application in applications:
            group = _group(dimension, characteristics.get(application.candidate_id))
            applicants[group] += 1
            if application.id in shortlisted_ids:
                shortlisted[group] += 1
        applicant_cells = control_table(applicants)
        shortlist_cells = control_table(shortlisted)
        dimensions.append(
            DiversityDimension(
                dimension=dimension,
                groups=[
                    DiversityGroup(
                        group=group,
                        applicants=applicant_cells[group].value,
                        shortlisted=shortlist_cells[group].value,
                        suppressed=applicant_cells[group].suppressed
                        or shortlist_cells[group].suppressed,
                        shortlisting_rate=control_rate(
                            shortlist_cells[group], applicant_cells[group]
                        ).value,
                    )
                    for group in groups
                ],
            )
        )
    shortlisted_total = sum(1 for a in applications if a.id in shortlisted_ids)
    return ShortlistDiversity(
        vacancy_id=vacancy.id,
        applicants_total=control_count(len(applications)).value,
        shortlisted_total=control_count(shortlisted_total).value,
        dimensions=dimensions,
    )
