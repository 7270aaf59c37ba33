import uuid

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ned.boards import domain
from ned.boards.domain import CommitteeRole, SeatRole
from ned.boards.models import Seat
from ned.boards.schemas import SeatCreate, SeatRead, SeatUpdate
from shared.http.auth import Principal
from shared.http.etag import IfMatchPrecondition, check_version
from shared.http.problems import Conflict, Forbidden, NotFound, invalid_input
from shared.reference.organisations import Organisation, get_organisation


def require_board(org_code: str, principal: Principal) -> Organisation:
    """The organisation whose board ``org_code`` names; 404 if none, 403 outside reach."""
    organisation = get_organisation(org_code)
    if organisation is None or not domain.has_board(organisation.org_type):
        raise NotFound(f"No board is known for organisation {org_code.strip().upper()}")
    if not principal.can_see_org(organisation.ods_code):
        raise Forbidden(f"Your token does not reach organisation {organisation.ods_code}")
    return organisation


def seat_read(seat: Seat) -> SeatRead:
    organisation = get_organisation(seat.org_code)
    body = (
        domain.appointing_body(organisation.org_type, SeatRole(seat.role))
        if organisation is not None
        else None
    )
    return SeatRead(
        id=seat.id,
        org_code=seat.org_code,
        role=SeatRole(seat.role),
        title=seat.title,
        voting=seat.voting,
        committee_roles=[CommitteeRole(r) for r in seat.committee_roles],
        holder_person_id=seat.holder_person_id,
        appointing_body=body,
        version=seat.version,
    )


async def list_seats(*, session: AsyncSession, org_code: str) -> list[Seat]:
    result = await session.scalars(
        select(Seat).where(Seat.org_code == org_code).order_by(Seat.role, Seat.title, Seat.id)
    )
    return list(result)


async def lock_board(session: AsyncSession, org_code: str) -> None:
    """Serialise changes to one board's seats (one chair, one senior independent director)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"ned-board:{org_code}"}
    )


async def _check_board_rules(
    session: AsyncSession,
    organisation: Organisation,
    role: SeatRole,
    voting: bool,
    committee_roles: list[CommitteeRole],
    seat_id: uuid.UUID | None,
) -> None:
    others = [
        seat
        for seat in await list_seats(session=session, org_code=organisation.ods_code)
        if seat.id != seat_id
    ]
    if len(set(committee_roles)) != len(committee_roles):
        raise invalid_input("body.committee_roles", "a committee role is listed twice")
    try:
        domain.check_seat(
            organisation.org_type,
            role,
            voting,
            frozenset(committee_roles),
            chair_seats_elsewhere=sum(1 for s in others if s.role == SeatRole.CHAIR),
        )
    except domain.SeatRuleError as exc:
        raise invalid_input(exc.field, str(exc)) from None
    taken = {r for seat in others for r in seat.committee_roles}
    clashes = sorted(
        r.value for r in committee_roles if r in domain.UNIQUE_COMMITTEE_ROLES and r in taken
    )
    if clashes:
        raise Conflict(f"Another seat on this board already holds: {', '.join(clashes)}")


async def create_seat(
    *, session: AsyncSession, organisation: Organisation, seat_in: SeatCreate
) -> Seat:
    await lock_board(session, organisation.ods_code)
    voting = domain.default_voting(seat_in.role) if seat_in.voting is None else seat_in.voting
    await _check_board_rules(
        session, organisation, seat_in.role, voting, seat_in.committee_roles, None
    )
    seat = Seat(
        id=uuid.uuid4(),
        org_code=organisation.ods_code,
        role=seat_in.role.value,
        title=seat_in.title,
        voting=voting,
        committee_roles=[r.value for r in seat_in.committee_roles],
        holder_person_id=None,
    )
    session.add(seat)
    await session.flush()
    await session.refresh(seat)
    return seat


async def get_seat(
    *, session: AsyncSession, org_code: str, seat_id: uuid.UUID, for_update: bool = False
) -> Seat:
    statement = select(Seat).where(Seat.id == seat_id, Seat.org_code == org_code)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    seat = await session.scalar(statement)
    if seat is None:
        raise NotFound(f"Board {org_code} has no seat {seat_id}")
    return seat


async def update_seat(
    *,
    session: AsyncSession,
    organisation: Organisation,
    seat_id: uuid.UUID,
    seat_in: SeatUpdate,
    if_match: IfMatchPrecondition,
) -> Seat:
    expected = if_match.version_for(seat_id)
    await lock_board(session, organisation.ods_code)
    seat = await get_seat(
        session=session, org_code=organisation.ods_code, seat_id=seat_id, for_update=True
    )
    check_version(seat.version, expected)
    role = SeatRole(seat.role)
    voting = seat.voting if seat_in.voting is None else seat_in.voting
    roles = (
        [CommitteeRole(r) for r in seat.committee_roles]
        if seat_in.committee_roles is None
        else seat_in.committee_roles
    )
    await _check_board_rules(session, organisation, role, voting, roles, seat.id)
    if seat_in.title is not None:
        seat.title = seat_in.title
    seat.voting = voting
    seat.committee_roles = [r.value for r in roles]
    await session.flush()
    await session.refresh(seat)
    return seat
