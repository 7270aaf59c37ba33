"""Board appraisals: the projection of ``appraisal.completed`` for board members, and the
compliance of each board against the national submission deadlines.

The ``record_*`` functions run inside the consumer's inbox transaction and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ned.board_appraisals import domain
from ned.board_appraisals.events import AppraisalCompleted, AppraisalReopened
from ned.board_appraisals.models import BoardAppraisal
from ned.boards.models import Seat
from shared.events.cloudevents import Envelope
from shared.reference.organisations import Organisation


async def _holds_seat(session: AsyncSession, person_id: str, org_code: str) -> bool:
    seat_id = await session.scalar(
        select(Seat.id)
        .where(Seat.org_code == org_code, Seat.holder_person_id == person_id)
        .limit(1)
    )
    return seat_id is not None


async def record_completed(
    *, session: AsyncSession, envelope: Envelope, event: AppraisalCompleted
) -> bool:
    """Keep the appraisal when it is a board member's: the appraisal says so (its board role),
    or the appraisee holds a seat on that organisation's board. Returns whether it was kept."""
    if not event.is_board_appraisal and not await _holds_seat(
        session, event.person_id, event.org_code
    ):
        return False
    appraisal = await session.get(BoardAppraisal, event.appraisal_id, with_for_update=True)
    if appraisal is None:
        appraisal = BoardAppraisal(appraisal_id=event.appraisal_id)
        session.add(appraisal)
    elif appraisal.completed_at > event.completed_at:
        return True  # an older completion arriving late changes nothing
    appraisal.person_id = event.person_id
    appraisal.org_code = event.org_code
    appraisal.board_role = event.role
    appraisal.cycle_year = event.cycle_year
    appraisal.completed_at = event.completed_at
    appraisal.reopened_at = None
    return True


async def record_reopened(
    *, session: AsyncSession, envelope: Envelope, event: AppraisalReopened
) -> bool:
    appraisal = await session.get(BoardAppraisal, event.appraisal_id, with_for_update=True)
    if appraisal is None or event.reopened_at < appraisal.completed_at:
        return False  # not a board appraisal, or a reopening the later completion closed
    appraisal.reopened_at = event.reopened_at
    return True


@dataclass(frozen=True)
class MemberRow:
    person_id: str
    seat_id: str
    seat_role: str
    compliance: domain.MemberCompliance
    appraisal: BoardAppraisal | None


async def board_compliance(
    *, session: AsyncSession, organisation: Organisation, cycle_year: int, today: date
) -> list[MemberRow]:
    seats = list(
        await session.scalars(
            select(Seat)
            .where(Seat.org_code == organisation.ods_code, Seat.holder_person_id.is_not(None))
            .order_by(Seat.role, Seat.holder_person_id, Seat.id)
        )
    )
    people = [seat.holder_person_id for seat in seats if seat.holder_person_id]
    appraisals = await session.scalars(
        select(BoardAppraisal)
        .where(
            BoardAppraisal.org_code == organisation.ods_code,
            BoardAppraisal.cycle_year == cycle_year,
            BoardAppraisal.person_id.in_(people),
            BoardAppraisal.reopened_at.is_(None),
        )
        .order_by(BoardAppraisal.completed_at)
    )
    # The first completion in the cycle is the one the deadline judges.
    first: dict[str, BoardAppraisal] = {}
    for completed in appraisals:
        first.setdefault(completed.person_id, completed)
    rows = []
    for seat in seats:
        assert seat.holder_person_id is not None
        appraisal = first.get(seat.holder_person_id)
        completed_at: datetime | None = appraisal.completed_at if appraisal else None
        rows.append(
            MemberRow(
                person_id=seat.holder_person_id,
                seat_id=str(seat.id),
                seat_role=seat.role,
                compliance=domain.member_compliance(
                    org_type=organisation.org_type,
                    seat_role=seat.role,
                    cycle_year=cycle_year,
                    completed_at=completed_at,
                    today=today,
                ),
                appraisal=appraisal,
            )
        )
    return rows
