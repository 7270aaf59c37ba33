"""Use cases of appraisal cycles and their populations."""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.cycles import domain
from appraisal.cycles.domain import MembershipChange, MemberStatus
from appraisal.cycles.models import AppraisalCycle, CycleMember
from appraisal.cycles.schemas import CycleCreate, CyclePatch
from appraisal.people import domain as people_domain
from appraisal.people.models import Person
from appraisal.templates.domain import AppraisalKind
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
    problem_type,
)
from shared.reference.organisations import OrgType, get_organisation


async def create_cycle(
    *, session: AsyncSession, principal: Principal, cycle_in: CycleCreate
) -> AppraisalCycle:
    principal.require_org(cycle_in.org_code)
    organisation = get_organisation(cycle_in.org_code)
    if organisation is None:
        raise invalid_input("body.org_code", f"{cycle_in.org_code} is not a known NHS organisation")
    plan = _plan(
        organisation.org_type,
        cycle_in.cycle_year,
        cycle_in.kind,
        cycle_in.window_opens,
        cycle_in.window_closes,
        cycle_in.completion_deadline,
    )
    existing = await find_cycle(
        session=session,
        org_code=cycle_in.org_code,
        cycle_year=cycle_in.cycle_year,
        kind=cycle_in.kind,
    )
    if existing is not None:
        raise _duplicate(cycle_in, existing.id)
    cycle = AppraisalCycle(
        id=uuid.uuid4(),
        org_code=cycle_in.org_code,
        cycle_year=cycle_in.cycle_year,
        kind=cycle_in.kind,
        window_opens=plan.window_opens,
        window_closes=plan.window_closes,
        completion_deadline=plan.completion_deadline,
        chair_submission_deadline=plan.chair_submission_deadline,
        ned_submission_deadline=plan.ned_submission_deadline,
        held_locally=plan.held_locally,
        version=1,
        created_by=principal.subject,
        created_at=datetime.now(UTC),
    )
    try:
        async with session.begin_nested():
            session.add(cycle)
    except IntegrityError:
        raise _duplicate(cycle_in, None) from None
    if cycle_in.kind is AppraisalKind.STAFF:
        await _populate(session, cycle)
    return cycle


def _plan(
    org_type: OrgType,
    cycle_year: int,
    kind: AppraisalKind,
    window_opens: date | None,
    window_closes: date | None,
    completion_deadline: date | None,
) -> domain.CyclePlan:
    try:
        return domain.plan_cycle(
            org_type=org_type,
            cycle_year=cycle_year,
            kind=kind,
            window_opens=window_opens,
            window_closes=window_closes,
            completion_deadline=completion_deadline,
        )
    except domain.CycleRefused as refused:
        raise UnprocessableEntity(
            str(refused),
            type=problem_type("cycle-refused"),
            errors=[FieldError(path=refused.path, message=str(refused), type=refused.rule)],
        ) from None


async def update_cycle(
    *,
    session: AsyncSession,
    principal: Principal,
    cycle_id: uuid.UUID,
    if_match: IfMatchPrecondition,
    patch: CyclePatch,
) -> AppraisalCycle:
    """Move the organisation's window or completion deadline; the rules of creation apply."""
    expected = if_match.version_for(cycle_id)
    cycle = await session.scalar(
        select(AppraisalCycle)
        .where(AppraisalCycle.id == cycle_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if cycle is None:
        raise NotFound(f"cycle {cycle_id} does not exist")
    # Reach before version, so a caller without reach learns nothing about the cycle.
    if not principal.can_see_org(cycle.org_code):
        raise Forbidden(f"This token does not reach the organisation of cycle {cycle_id}")
    check_version(cycle.version, expected)
    organisation = get_organisation(cycle.org_code)
    assert organisation is not None  # it was known when the cycle was created
    changes = {name: getattr(patch, name) for name in patch.model_fields_set}
    opens = changes.get("window_opens", cycle.window_opens)
    closes = changes.get("window_closes", cycle.window_closes)
    # A deadline left alone follows a moved window only when it was the window's close.
    deadline = changes.get(
        "completion_deadline",
        closes if cycle.completion_deadline == cycle.window_closes else cycle.completion_deadline,
    )
    plan = _plan(
        organisation.org_type,
        cycle.cycle_year,
        AppraisalKind(cycle.kind),
        opens,
        closes,
        deadline,
    )
    cycle.window_opens = plan.window_opens
    cycle.window_closes = plan.window_closes
    cycle.completion_deadline = plan.completion_deadline
    cycle.version += 1
    await session.flush()
    return cycle


def _duplicate(cycle_in: CycleCreate, existing: uuid.UUID | None) -> Conflict:
    extra = {"existing_cycle_id": str(existing)} if existing is not None else {}
    return Conflict(
        f"{cycle_in.org_code} already has a {cycle_in.kind} cycle for {cycle_in.cycle_year}",
        **extra,
    )


async def _populate(session: AsyncSession, cycle: AppraisalCycle) -> None:
    """Everyone the directory says works at the organisation now joins the new cycle."""
    joined_on = max(cycle.window_opens, datetime.now(UTC).date())
    people = (
        await session.scalars(
            select(Person.person_id).where(
                Person.org_code == cycle.org_code,
                Person.status != people_domain.EmploymentStatus.LEFT,
            )
        )
    ).all()
    if people:
        await session.execute(
            insert(CycleMember)
            .values(
                [
                    {
                        "cycle_id": cycle.id,
                        "person_id": person_id,
                        "status": MemberStatus.ACTIVE,
                        "joined_on": joined_on,
                    }
                    for person_id in people
                ]
            )
            .on_conflict_do_nothing()
        )


async def find_cycle(
    *, session: AsyncSession, org_code: str, cycle_year: int, kind: AppraisalKind
) -> AppraisalCycle | None:
    cycle: AppraisalCycle | None = await session.scalar(
        select(AppraisalCycle).where(
            AppraisalCycle.org_code == org_code,
            AppraisalCycle.cycle_year == cycle_year,
            AppraisalCycle.kind == kind,
        )
    )
    return cycle


async def get_cycle(
    *, session: AsyncSession, principal: Principal, cycle_id: uuid.UUID
) -> AppraisalCycle:
    cycle = await session.get(AppraisalCycle, cycle_id)
    if cycle is None:
        raise NotFound(f"cycle {cycle_id} does not exist")
    if not principal.can_see_org(cycle.org_code):
        raise Forbidden(f"This token does not reach the organisation of cycle {cycle_id}")
    return cycle


async def active_population(
    session: AsyncSession, cycle_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    if not cycle_ids:
        return {}
    rows = await session.execute(
        select(CycleMember.cycle_id, func.count())
        .where(CycleMember.cycle_id.in_(cycle_ids), CycleMember.status == MemberStatus.ACTIVE)
        .group_by(CycleMember.cycle_id)
    )
    return {cycle_id: count for cycle_id, count in rows.all()}


async def list_cycles(
    *,
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    org_code: str | None = None,
    cycle_year: int | None = None,
    kind: AppraisalKind | None = None,
) -> Sequence[AppraisalCycle]:
    stmt = select(AppraisalCycle)
    if org_code is not None:
        principal.require_org(org_code)
        stmt = stmt.where(AppraisalCycle.org_code == org_code)
    elif (reach := principal.reach_filter()) is not None:
        if not reach:
            return []
        stmt = stmt.where(AppraisalCycle.org_code.in_(sorted(reach)))
    if cycle_year is not None:
        stmt = stmt.where(AppraisalCycle.cycle_year == cycle_year)
    if kind is not None:
        stmt = stmt.where(AppraisalCycle.kind == kind)
    stmt = paginate(
        stmt, sort_column=AppraisalCycle.created_at, id_column=AppraisalCycle.id, params=page
    )
    return (await session.scalars(stmt)).all()


async def list_population(
    *,
    session: AsyncSession,
    principal: Principal,
    cycle_id: uuid.UUID,
    page: PageParams,
    status: MemberStatus | None = None,
) -> Sequence[CycleMember]:
    await get_cycle(session=session, principal=principal, cycle_id=cycle_id)
    stmt = select(CycleMember).where(CycleMember.cycle_id == cycle_id)
    if status is not None:
        stmt = stmt.where(CycleMember.status == status)
    stmt = paginate(
        stmt, sort_column=CycleMember.person_id, id_column=CycleMember.person_id, params=page
    )
    return (await session.scalars(stmt)).all()


async def add_member(
    *, session: AsyncSession, cycle: AppraisalCycle, person_id: str, on: date
) -> None:
    """Bring a person into a cycle (a board member, through their board appraisal)."""
    statement = insert(CycleMember).values(
        cycle_id=cycle.id, person_id=person_id, status=MemberStatus.ACTIVE, joined_on=on
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[CycleMember.cycle_id, CycleMember.person_id],
            set_={"status": MemberStatus.ACTIVE, "left_on": None},
        )
    )


async def sync_person(*, session: AsyncSession, person: Person, on: date) -> None:
    """Apply a change of the people projection to every running cycle it touches."""
    member_of = select(CycleMember.cycle_id).where(CycleMember.person_id == person.person_id)
    cycles = (
        await session.scalars(
            select(AppraisalCycle).where(
                AppraisalCycle.window_closes >= on,
                or_(AppraisalCycle.org_code == person.org_code, AppraisalCycle.id.in_(member_of)),
            )
        )
    ).all()
    if not cycles:
        return
    members = {
        member.cycle_id: member
        for member in (
            await session.scalars(
                select(CycleMember).where(
                    CycleMember.person_id == person.person_id,
                    CycleMember.cycle_id.in_([cycle.id for cycle in cycles]),
                )
            )
        ).all()
    }
    active = not people_domain.has_left(person.status)
    for cycle in cycles:
        member = members.get(cycle.id)
        change = domain.membership_change(
            person_active=active,
            person_org=person.org_code,
            cycle_org=cycle.org_code,
            is_member=member is not None,
            member_active=member is not None and member.status == MemberStatus.ACTIVE,
            kind=AppraisalKind(cycle.kind),
            on=on,
            window_closes=cycle.window_closes,
        )
        if change is MembershipChange.JOIN:
            await add_member(
                session=session,
                cycle=cycle,
                person_id=person.person_id,
                on=max(on, cycle.window_opens),
            )
        elif change is MembershipChange.LEAVE and member is not None:
            member.status = MemberStatus.LEFT
            left_on = person.left_on if not active and person.left_on is not None else on
            member.left_on = max(left_on, member.joined_on)
