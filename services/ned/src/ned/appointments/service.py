"""Appointments, terms and tenure.

The one place an appointment takes effect is `activate_appointment`, which the fit and proper
person test calls when an appointment's test passes.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ned.appointments import domain
from ned.appointments.domain import AppointmentStatus, Term, TermEndReason
from ned.appointments.events import NedAppointed, NedTermEnded
from ned.appointments.models import Appointment, TenureExtension
from ned.appointments.schemas import (
    AppointmentCreate,
    BoardForecast,
    ExtensionCreate,
    PastTermCreate,
    RegionForecast,
    TenureRead,
    TermEnd,
    TermExpiryRun,
)
from ned.boards import domain as board_domain
from ned.boards import service as board_service
from ned.boards.domain import AppointingBody, SeatRole
from ned.boards.models import Seat
from shared.events.model import Event
from shared.http.auth import Principal
from shared.http.etag import IfMatchPrecondition, check_version
from shared.http.pagination import PageParams, paginate
from shared.http.problems import Conflict, Forbidden, NotFound, invalid_input
from shared.reference.organisations import (
    Organisation,
    OrgType,
    get_organisation,
    organisations_in_region,
)
from shared.uow import UnitOfWork

# Terms that count towards tenure and occupy a seat: everything but a withdrawn appointment.
COUNTED_STATUSES = (
    AppointmentStatus.PENDING_FPPT.value,
    AppointmentStatus.ACTIVE.value,
    AppointmentStatus.ENDED.value,
)
LIVE_STATUSES = (AppointmentStatus.PENDING_FPPT.value, AppointmentStatus.ACTIVE.value)


class EventSink(Protocol):
    """Anything events can be published through in the caller's transaction (a UnitOfWork)."""

    async def publish(self, event: Event) -> uuid.UUID: ...


def _refused(body: AppointingBody, org_code: str) -> Forbidden:
    who = {
        AppointingBody.NHS_ENGLAND: "NHS England (a national or regional token with ned:appoint)",
        AppointingBody.COUNCIL_OF_GOVERNORS: (
            f"the council of governors of {org_code} (a ned:govern token bound to {org_code})"
        ),
        AppointingBody.ICB: (
            f"the ICB {org_code}, its chair acting for the board (a ned:govern token bound to "
            f"{org_code})"
        ),
    }[body]
    return Forbidden(f"Only {who} may do this for a seat of {org_code}")


def entitled_body(organisation: Organisation, role: SeatRole) -> AppointingBody:
    body = board_domain.appointing_body(organisation.org_type, role)
    if body is None:
        raise invalid_input(
            "body.seat_id",
            f"a {role.value} seat of {organisation.ods_code} is appointed by the organisation "
            "as employer, not by NHS England, a council of governors or an ICB board, so it is "
            "not appointed through this service",
        )
    return body


def require_entitled(principal: Principal, body: AppointingBody, org_code: str) -> None:
    if not board_domain.acts_for(principal, body, org_code):
        raise _refused(body, org_code)


def _as_term(appointment: Appointment) -> Term:
    end = appointment.term_end
    if appointment.ended_on is not None:
        end = min(end, appointment.ended_on)
    return Term(
        SeatRole(appointment.seat_role), appointment.term_start, max(end, appointment.term_start)
    )


async def _terms_on_board(
    session: AsyncSession, org_code: str, person_id: str, *, excluding: uuid.UUID | None = None
) -> list[Appointment]:
    statement = select(Appointment).where(
        Appointment.org_code == org_code,
        Appointment.person_id == person_id,
        Appointment.status.in_(COUNTED_STATUSES),
    )
    if excluding is not None:
        statement = statement.where(Appointment.id != excluding)
    return list(await session.scalars(statement.order_by(Appointment.term_start)))


async def latest_extension(
    session: AsyncSession, org_code: str, person_id: str
) -> TenureExtension | None:
    return await session.scalar(
        select(TenureExtension)
        .where(TenureExtension.org_code == org_code, TenureExtension.person_id == person_id)
        .order_by(TenureExtension.extends_to.desc(), TenureExtension.agreed_at.desc())
        .limit(1)
    )


async def assess(
    session: AsyncSession,
    org_code: str,
    person_id: str,
    proposed: Term,
    *,
    excluding: uuid.UUID | None = None,
) -> tuple[domain.TenureAssessment, TenureExtension | None]:
    previous = [
        _as_term(a)
        for a in await _terms_on_board(session, org_code, person_id, excluding=excluding)
        if a.term_start < proposed.start
    ]
    extension = await latest_extension(session, org_code, person_id)
    assessment = domain.assess_tenure(
        previous, proposed, extension_to=extension.extends_to if extension else None
    )
    return assessment, extension


async def _lock_seat(session: AsyncSession, org_code: str, seat_id: uuid.UUID) -> Seat:
    await board_service.lock_board(session, org_code)
    return await board_service.get_seat(
        session=session, org_code=org_code, seat_id=seat_id, for_update=True
    )


def _organisation(org_code: str, principal: Principal) -> Organisation:
    return board_service.require_board(org_code, principal)


async def _check_seat_free(
    session: AsyncSession, seat: Seat, start: date, end: date, person_id: str
) -> None:
    """A seat holds one person at a time: a new term may not overlap a live one."""
    live = await session.scalars(
        select(Appointment).where(
            Appointment.seat_id == seat.id, Appointment.status.in_(LIVE_STATUSES)
        )
    )
    for other in live:
        if other.term_start <= end and start <= other.term_end:
            raise Conflict(
                f"Seat {seat.id} already has a {other.status} term from {other.term_start} to "
                f"{other.term_end} overlapping this one; end it first",
                appointment_id=str(other.id),
            )
    already = await session.scalar(
        select(Appointment.id).where(
            Appointment.org_code == seat.org_code,
            Appointment.person_id == person_id,
            Appointment.status.in_(LIVE_STATUSES),
            Appointment.term_start <= end,
            Appointment.term_end >= start,
        )
    )
    if already is not None:
        raise Conflict(
            "This person already has a live term on this board over those dates",
            appointment_id=str(already),
        )


def _check_term(start: date, end: date) -> None:
    try:
        domain.check_term(start, end)
    except domain.TermRuleError as exc:
        raise invalid_input(exc.field, str(exc)) from None


async def create_pending_appointment(
    *,
    session: AsyncSession,
    principal: Principal,
    organisation: Organisation,
    seat_id: uuid.UUID,
    person_id: str,
    term_start: date,
    term_end: date,
    vacancy_id: uuid.UUID | None = None,
) -> Appointment:
    """A new term, pending its fit and proper person test. Only the appointing body may make
    it; tenure beyond nine years is refused unless an NHS England-agreed extension covers it."""
    _check_term(term_start, term_end)
    seat = await _lock_seat(session, organisation.ods_code, seat_id)
    role = SeatRole(seat.role)
    body = entitled_body(organisation, role)
    require_entitled(principal, body, organisation.ods_code)
    await _check_seat_free(session, seat, term_start, term_end, person_id)
    proposed = Term(role, term_start, term_end)
    assessment, extension = await assess(session, organisation.ods_code, person_id, proposed)
    if assessment.blocked:
        raise Conflict(
            f"This term would take {person_id}'s service on the board of "
            f"{organisation.ods_code} to {assessment.served_years} years, beyond the nine-year "
            "limit of the code of governance; NHS England must agree an extension first "
            "(POST /v1/tenure-extensions)",
            served_days=assessment.served_days,
            rigorous_review_required=assessment.review_required,
            beyond_nine_years=True,
        )
    previous = [
        _as_term(a)
        for a in await _terms_on_board(session, organisation.ods_code, person_id)
        if a.term_start < term_start
    ]
    appointment = Appointment(
        id=uuid.uuid4(),
        seat_id=seat.id,
        org_code=organisation.ods_code,
        person_id=person_id,
        seat_role=role.value,
        status=AppointmentStatus.PENDING_FPPT.value,
        term_start=term_start,
        term_end=term_end,
        term_number=domain.term_number(previous, role),
        appointing_body=body.value,
        vacancy_id=vacancy_id,
        extension_id=extension.id if assessment.over_limit and extension else None,
        historical=False,
        created_by=principal.subject,
    )
    session.add(appointment)
    await session.flush()
    await session.refresh(appointment)
    return appointment


async def create_appointment(
    *, session: AsyncSession, principal: Principal, appointment_in: AppointmentCreate
) -> Appointment:
    organisation = _organisation(appointment_in.org_code, principal)
    return await create_pending_appointment(
        session=session,
        principal=principal,
        organisation=organisation,
        seat_id=appointment_in.seat_id,
        person_id=appointment_in.person_id,
        term_start=appointment_in.term_start,
        term_end=appointment_in.term_end,
    )


async def record_past_term(
    *,
    session: AsyncSession,
    principal: Principal,
    term_in: PastTermCreate,
    today: date | None = None,
) -> Appointment:
    """A term that ended before the board's records came here. It counts towards tenure and
    emits nothing: nobody is appointed or leaves now."""
    organisation = _organisation(term_in.org_code, principal)
    _check_term(term_in.term_start, term_in.term_end)
    if term_in.term_end >= (today or datetime.now(UTC).date()):
        raise invalid_input(
            "body.term_end", "a past term has ended; record a current term as an appointment"
        )
    seat = await _lock_seat(session, organisation.ods_code, term_in.seat_id)
    role = SeatRole(seat.role)
    body = entitled_body(organisation, role)
    require_entitled(principal, body, organisation.ods_code)
    overlapping = await session.scalar(
        select(Appointment.id).where(
            Appointment.seat_id == seat.id,
            Appointment.status.in_(COUNTED_STATUSES),
            Appointment.term_start <= term_in.term_end,
            func.coalesce(Appointment.ended_on, Appointment.term_end) >= term_in.term_start,
        )
    )
    if overlapping is not None:
        raise Conflict(
            "Another term on this seat overlaps those dates", appointment_id=str(overlapping)
        )
    previous = [
        _as_term(a)
        for a in await _terms_on_board(session, organisation.ods_code, term_in.person_id)
        if a.term_start < term_in.term_start
    ]
    appointment = Appointment(
        id=uuid.uuid4(),
        seat_id=seat.id,
        org_code=organisation.ods_code,
        person_id=term_in.person_id,
        seat_role=role.value,
        status=AppointmentStatus.ENDED.value,
        term_start=term_in.term_start,
        term_end=term_in.term_end,
        term_number=domain.term_number(previous, role),
        appointing_body=body.value,
        historical=True,
        ended_on=term_in.term_end,
        end_reason_code=term_in.end_reason_code.value,
        created_by=principal.subject,
    )
    session.add(appointment)
    await session.flush()
    await session.refresh(appointment)
    return appointment


async def _refresh_holder(session: AsyncSession, seat: Seat) -> None:
    """The seat's holder is the person of its earliest-starting active term: an incumbent
    stays the holder until their term is ended, then their successor takes over."""
    holder = await session.scalar(
        select(Appointment.person_id)
        .where(
            Appointment.seat_id == seat.id,
            Appointment.status == AppointmentStatus.ACTIVE.value,
        )
        .order_by(Appointment.term_start, Appointment.id)
        .limit(1)
    )
    if seat.holder_person_id != holder:
        seat.holder_person_id = holder


async def activate_appointment(
    *,
    session: AsyncSession,
    uow: EventSink,
    appointment_id: uuid.UUID,
    as_of: datetime,
) -> Appointment:
    """Make a pending appointment take effect: its appointment FPPT has passed.

    The appointment becomes ``active``, its person the seat's holder (once any incumbent's term
    is ended), and ``ned.appointed`` is published through ``uow`` in the same transaction.
    Called by the fit and proper person test; 409 unless the appointment is pending.
    """
    appointment = await session.scalar(
        select(Appointment)
        .where(Appointment.id == appointment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if appointment is None:
        raise NotFound(f"No appointment {appointment_id}")
    if appointment.status != AppointmentStatus.PENDING_FPPT.value:
        raise Conflict(
            f"Appointment {appointment_id} is {appointment.status}, not awaiting its FPPT"
        )
    seat = await _lock_seat(session, appointment.org_code, appointment.seat_id)
    appointment.status = AppointmentStatus.ACTIVE.value
    appointment.appointed_at = as_of
    await session.flush()
    await _refresh_holder(session, seat)
    await session.flush()
    await session.refresh(appointment)
    await uow.publish(
        NedAppointed(
            appointment_id=appointment.id,
            person_id=appointment.person_id,
            org_code=appointment.org_code,
            seat_id=appointment.seat_id,
            seat_role=appointment.seat_role,
            term_start=appointment.term_start,
            term_end=appointment.term_end,
            term_number=appointment.term_number,
            appointing_body=appointment.appointing_body,
            appointed_at=as_of,
        )
    )
    return appointment


async def get_appointment(
    *,
    session: AsyncSession,
    principal: Principal,
    appointment_id: uuid.UUID,
    for_update: bool = False,
) -> Appointment:
    statement = select(Appointment).where(Appointment.id == appointment_id)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    appointment = await session.scalar(statement)
    # Outside the token's reach answers like a missing record: nothing is disclosed.
    if appointment is None or not principal.can_see_org(appointment.org_code):
        raise NotFound(f"No appointment {appointment_id}")
    return appointment


async def end_term(
    *,
    session: AsyncSession,
    uow: EventSink,
    principal: Principal,
    appointment_id: uuid.UUID,
    end: TermEnd,
    if_match: IfMatchPrecondition,
) -> Appointment:
    """End an active term (publishes ``ned.term.ended``) or withdraw a pending one.

    The organisation records expiries and resignations; removing a board member is a decision
    of the appointing body alone.
    """
    expected = if_match.version_for(appointment_id)
    appointment = await get_appointment(
        session=session, principal=principal, appointment_id=appointment_id, for_update=True
    )
    check_version(appointment.version, expected)
    if end.reason_code is TermEndReason.REMOVED:
        require_entitled(
            principal, AppointingBody(appointment.appointing_body), appointment.org_code
        )
    status = AppointmentStatus(appointment.status)
    if status not in (AppointmentStatus.ACTIVE, AppointmentStatus.PENDING_FPPT):
        raise Conflict(f"Appointment {appointment_id} is {status.value}; nothing to end")
    if end.ended_on < appointment.term_start and status is AppointmentStatus.ACTIVE:
        raise invalid_input("body.ended_on", "a term cannot end before it started")
    if end.ended_on > appointment.term_end:
        raise invalid_input(
            "body.ended_on", f"the term ends on {appointment.term_end} at the latest"
        )
    seat = await _lock_seat(session, appointment.org_code, appointment.seat_id)
    appointment.ended_on = end.ended_on
    appointment.end_reason_code = end.reason_code.value
    appointment.status = (
        AppointmentStatus.ENDED.value
        if status is AppointmentStatus.ACTIVE
        else AppointmentStatus.WITHDRAWN.value
    )
    await session.flush()
    await _refresh_holder(session, seat)
    await session.flush()
    await session.refresh(appointment)
    if status is AppointmentStatus.ACTIVE:
        await uow.publish(
            NedTermEnded(
                appointment_id=appointment.id,
                person_id=appointment.person_id,
                org_code=appointment.org_code,
                seat_id=appointment.seat_id,
                seat_role=appointment.seat_role,
                term_start=appointment.term_start,
                term_end=appointment.term_end,
                term_number=appointment.term_number,
                ended_on=end.ended_on,
                reason_code=end.reason_code.value,
            )
        )
    return appointment


async def list_appointments(
    *,
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    org_code: str | None,
    person_id: str | None,
    status: AppointmentStatus | None,
) -> Sequence[Appointment]:
    statement = select(Appointment)
    if (orgs := principal.reach_filter()) is not None:
        statement = statement.where(Appointment.org_code.in_(orgs))
    if org_code is not None:
        statement = statement.where(Appointment.org_code == org_code.upper())
    if person_id is not None:
        statement = statement.where(Appointment.person_id == person_id)
    if status is not None:
        statement = statement.where(Appointment.status == status.value)
    statement = paginate(
        statement, sort_column=Appointment.id, id_column=Appointment.id, params=page
    )
    return (await session.scalars(statement)).all()


async def tenure_of(
    *, session: AsyncSession, principal: Principal, appointment_id: uuid.UUID
) -> TenureRead:
    appointment = await get_appointment(
        session=session, principal=principal, appointment_id=appointment_id
    )
    assessment, extension = await assess(
        session,
        appointment.org_code,
        appointment.person_id,
        _as_term(appointment),
        excluding=appointment.id,
    )
    return TenureRead(
        appointment_id=appointment.id,
        org_code=appointment.org_code,
        person_id=appointment.person_id,
        served_days=assessment.served_days,
        served_years=assessment.served_years,
        review_clock_days=assessment.review_clock_days,
        rigorous_review_required=assessment.review_required,
        beyond_nine_years=assessment.over_limit,
        extension_id=extension.id if extension and assessment.over_limit else None,
        ned_to_chair=assessment.ned_to_chair,
    )


async def record_extension(
    *, session: AsyncSession, principal: Principal, extension_in: ExtensionCreate
) -> TenureExtension:
    """NHS England agrees service beyond nine years (every extension, for every kind of
    board, is agreed with NHS England under the code of governance)."""
    organisation = _organisation(extension_in.org_code, principal)
    require_entitled(principal, AppointingBody.NHS_ENGLAND, organisation.ods_code)
    extension = TenureExtension(
        id=uuid.uuid4(),
        org_code=organisation.ods_code,
        person_id=extension_in.person_id,
        extends_to=extension_in.extends_to,
        reason_code=extension_in.reason_code.value,
        agreed_by=principal.subject,
    )
    session.add(extension)
    await session.flush()
    await session.refresh(extension)
    return extension


async def get_extension(
    *, session: AsyncSession, principal: Principal, extension_id: uuid.UUID
) -> TenureExtension:
    extension = await session.get(TenureExtension, extension_id)
    if extension is None or not principal.can_see_org(extension.org_code):
        raise NotFound(f"No tenure extension {extension_id}")
    return extension


async def list_extensions(
    *,
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    org_code: str | None,
    person_id: str | None,
) -> Sequence[TenureExtension]:
    statement = select(TenureExtension)
    if (orgs := principal.reach_filter()) is not None:
        statement = statement.where(TenureExtension.org_code.in_(orgs))
    if org_code is not None:
        statement = statement.where(TenureExtension.org_code == org_code.upper())
    if person_id is not None:
        statement = statement.where(TenureExtension.person_id == person_id)
    statement = paginate(
        statement, sort_column=TenureExtension.id, id_column=TenureExtension.id, params=page
    )
    return (await session.scalars(statement)).all()


async def _active_term_ends(
    session: AsyncSession, org_codes: Sequence[str]
) -> dict[str, list[date]]:
    rows = await session.execute(
        select(Appointment.org_code, Appointment.term_end).where(
            Appointment.status == AppointmentStatus.ACTIVE.value,
            Appointment.org_code.in_(org_codes),
        )
    )
    ends: dict[str, list[date]] = defaultdict(list)
    for code, term_end in rows.all():
        ends[code].append(term_end)
    return ends


def _board_forecast(organisation: Organisation, ends: list[date], as_of: date) -> BoardForecast:
    counts = domain.forecast(ends, as_of)
    return BoardForecast(
        org_code=organisation.ods_code,
        name=organisation.name,
        region_code=organisation.region_code,
        active_terms=len(ends),
        overdue=counts.overdue,
        within_6_months=counts.within_6_months,
        within_12_months=counts.within_12_months,
        within_18_months=counts.within_18_months,
    )


async def board_forecast(
    *, session: AsyncSession, principal: Principal, org_code: str, as_of: date
) -> BoardForecast:
    """The board's active terms ending within 6, 12 and 18 months of ``as_of``."""
    organisation = _organisation(org_code, principal)
    ends = await _active_term_ends(session, [organisation.ods_code])
    return _board_forecast(organisation, ends.get(organisation.ods_code, []), as_of)


async def region_forecast(
    *, session: AsyncSession, principal: Principal, region_code: str, as_of: date
) -> RegionForecast:
    """The region's boards within the token's reach that have active terms, and their totals."""
    region = get_organisation(region_code)
    if region is None or region.org_type is not OrgType.REGION:
        raise NotFound(f"No NHS England region {region_code.strip().upper()}")
    # A trust's token sees its own board's line of its region and nothing of the others; the
    # totals are over the boards shown, so no other board's figure can be worked out.
    members = {
        organisation.ods_code: organisation
        for organisation in organisations_in_region(region.ods_code)
        if board_domain.has_board(organisation.org_type)
        and principal.can_see_org(organisation.ods_code)
    }
    if not members:
        raise Forbidden(f"Your token does not reach region {region.ods_code}")
    ends = await _active_term_ends(session, sorted(members))
    boards = [_board_forecast(members[code], ends[code], as_of) for code in sorted(ends)]
    return RegionForecast(
        region_code=region.ods_code,
        name=region.name,
        as_of=as_of,
        boards=boards,
        active_terms=sum(b.active_terms for b in boards),
        overdue=sum(b.overdue for b in boards),
        within_6_months=sum(b.within_6_months for b in boards),
        within_12_months=sum(b.within_12_months for b in boards),
        within_18_months=sum(b.within_18_months for b in boards),
    )


# One transaction ends at most this many terms; the next tick (or run) takes the rest, so a
# backlog after an outage never holds thousands of row locks at once.
EXPIRY_BATCH = 200


async def expire_terms(
    *,
    session: AsyncSession,
    uow: EventSink,
    today: date,
    org_codes: Sequence[str] | None = None,
    limit: int = EXPIRY_BATCH,
) -> list[Appointment]:
    """End every active term whose last day is before ``today`` (within ``org_codes`` when
    given), each with reason ``term_expired`` on its planned last day, clearing the seat's
    holder (or handing the seat to an already active successor) and publishing
    ``ned.term.ended`` in this transaction.

    Exactly once however many runs overlap: each term is re-read ``FOR UPDATE SKIP LOCKED``
    with its status checked again, so a term another run holds is left to that run, and one
    it has already ended no longer matches.

    No vacancy is opened: a campaign is the appointing body's decision (it may reappoint for a
    second term, leave the seat empty or redraw the board) and needs a role description and
    closing date only that body can give; the expired seat shows empty on the board and its
    term leaves the forecast's overdue count instead.
    """
    candidates = select(Appointment.id, Appointment.org_code).where(
        Appointment.status == AppointmentStatus.ACTIVE.value,
        Appointment.term_end < today,
    )
    if org_codes is not None:
        candidates = candidates.where(Appointment.org_code.in_(org_codes))
    # Boards in a fixed order, so two runs take the board locks in the same order.
    rows = (
        await session.execute(
            candidates.order_by(Appointment.org_code, Appointment.id).limit(limit)
        )
    ).all()
    ended: list[Appointment] = []
    for appointment_id, org_code in rows:
        await board_service.lock_board(session, org_code)
        appointment = await session.scalar(
            select(Appointment)
            .where(
                Appointment.id == appointment_id,
                Appointment.status == AppointmentStatus.ACTIVE.value,
                Appointment.term_end < today,
            )
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        if appointment is None:  # ended meanwhile, or being ended by another run
            continue
        seat = await board_service.get_seat(
            session=session, org_code=org_code, seat_id=appointment.seat_id, for_update=True
        )
        appointment.status = AppointmentStatus.ENDED.value
        appointment.ended_on = appointment.term_end
        appointment.end_reason_code = TermEndReason.TERM_EXPIRED.value
        await session.flush()
        await _refresh_holder(session, seat)
        await session.flush()
        await session.refresh(appointment)
        await uow.publish(
            NedTermEnded(
                appointment_id=appointment.id,
                person_id=appointment.person_id,
                org_code=appointment.org_code,
                seat_id=appointment.seat_id,
                seat_role=appointment.seat_role,
                term_start=appointment.term_start,
                term_end=appointment.term_end,
                term_number=appointment.term_number,
                ended_on=appointment.term_end,
                reason_code=TermEndReason.TERM_EXPIRED.value,
            )
        )
        ended.append(appointment)
    return ended


async def run_term_expiry(
    *, session: AsyncSession, uow: EventSink, principal: Principal, today: date
) -> TermExpiryRun:
    """An administrator's run of the expiry, over the boards within the token's reach."""
    reach = principal.reach_filter()
    ended = await expire_terms(
        session=session,
        uow=uow,
        today=today,
        org_codes=sorted(reach) if reach is not None else None,
    )
    return TermExpiryRun(
        as_of=today,
        ended=len(ended),
        appointment_ids=[appointment.id for appointment in ended],
    )


async def term_expiry_step(uow: UnitOfWork) -> int:
    """The worker's daily tick: every board, today's date."""
    ended = await expire_terms(session=uow.session, uow=uow, today=datetime.now(UTC).date())
    return len(ended)
