"""EDI improvement goals with their progress from the indicators, the region's list of missed
goals, and audited reads of record-level protected characteristics."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.http.auth import Principal
from shared.http.etag import IfMatchPrecondition, check_version
from shared.http.pagination import PageParams, paginate
from shared.http.problems import Forbidden, NotFound
from shared.reference.organisations import get_organisation
from talent.analytics import domain as analytics_domain
from talent.analytics import service as analytics_service
from talent.edi import domain
from talent.edi.domain import Direction, GoalStatus
from talent.edi.models import EdiAccessAudit, EdiGoal
from talent.edi.schemas import GoalCreate, GoalPatch, GoalRead, ProtectedCharacteristicsRead
from talent.indicators import domain as indicator_domain
from talent.organisations import service as organisation_service
from talent.people.models import Person, PersonProtectedCharacteristics


async def indicator_values(session: AsyncSession, org_code: str) -> list[dict[str, Any]]:
    organisation = get_organisation(org_code)
    if organisation is None:
        return []
    report = await analytics_service.report_for(
        session, analytics_service.area_of_org(organisation), snapshot=False
    )
    return indicator_domain.indicators_from_report(report)


def goal_read(goal: EdiGoal, indicators: list[dict[str, Any]], today: date) -> GoalRead:
    value = indicator_domain.value_of(indicators, goal.indicator_code)
    direction = Direction(goal.direction)
    return GoalRead(
        id=goal.id,
        org_code=goal.org_code,
        region_code=goal.region_code,
        indicator_code=goal.indicator_code,
        direction=direction,
        target=goal.target,
        baseline=goal.baseline,
        deadline=goal.deadline,
        current_value=value,
        progress_pct=domain.progress_pct(value, goal.baseline, goal.target),
        status=domain.goal_status(
            value=value,
            target=goal.target,
            direction=direction,
            deadline=goal.deadline,
            today=today,
            withdrawn=goal.withdrawn,
        ),
        version=goal.version,
        created_at=goal.created_at,
    )


async def create_goal(
    *, session: AsyncSession, principal: Principal, goal_in: GoalCreate
) -> GoalRead:
    organisation = organisation_service.visible_or_403(principal, goal_in.org_code)
    indicators = await indicator_values(session, organisation.ods_code)
    goal = EdiGoal(
        org_code=organisation.ods_code,
        region_code=organisation.region_code,
        indicator_code=goal_in.indicator_code,
        direction=goal_in.direction,
        target=goal_in.target,
        # Progress is measured from where the indicator stood when the goal was set.
        baseline=indicator_domain.value_of(indicators, goal_in.indicator_code),
        deadline=goal_in.deadline,
        withdrawn=False,
        created_by=principal.subject,
    )
    session.add(goal)
    await session.flush()
    await session.refresh(goal)
    return goal_read(goal, indicators, datetime.now(UTC).date())


async def visible_goal(
    session: AsyncSession, principal: Principal, goal_id: uuid.UUID, *, lock: bool = False
) -> EdiGoal:
    goal = await session.get(EdiGoal, goal_id, with_for_update=lock, populate_existing=lock)
    if goal is None:
        raise NotFound(f"No EDI goal {goal_id}")
    if not principal.can_see_org(goal.org_code):
        raise Forbidden(f"This token does not reach the organisation of goal {goal_id}")
    return goal


async def read_goal(*, session: AsyncSession, principal: Principal, goal_id: uuid.UUID) -> GoalRead:
    goal = await visible_goal(session, principal, goal_id)
    return goal_read(goal, await indicator_values(session, goal.org_code), datetime.now(UTC).date())


async def update_goal(
    *,
    session: AsyncSession,
    principal: Principal,
    goal_id: uuid.UUID,
    patch: GoalPatch,
    if_match: IfMatchPrecondition,
) -> GoalRead:
    goal = await visible_goal(session, principal, goal_id, lock=True)
    expected = if_match.version_for(goal.id)
    check_version(goal.version, expected)
    changes = patch.model_dump(exclude_none=True)
    await session.execute(
        update(EdiGoal)
        .where(EdiGoal.id == goal.id, EdiGoal.version == expected)
        .values(**changes, version=EdiGoal.version + 1, updated_at=datetime.now(UTC))
    )
    goal = await visible_goal(session, principal, goal_id, lock=True)
    return goal_read(goal, await indicator_values(session, goal.org_code), datetime.now(UTC).date())


async def list_goals(
    *,
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    org_code: str | None,
    region_code: str | None,
    missed_only: bool,
) -> tuple[list[EdiGoal], dict[uuid.UUID, GoalRead]]:
    """Goals in reach by deadline, each with its status; ``missed_only`` keeps goals past
    their deadline (the caller drops those met meanwhile, so a page may come back short)."""
    stmt = select(EdiGoal)
    if (orgs := principal.reach_filter()) is not None:
        stmt = stmt.where(EdiGoal.org_code.in_(orgs))
    if org_code is not None:
        stmt = stmt.where(EdiGoal.org_code == org_code)
    if region_code is not None:
        stmt = stmt.where(EdiGoal.region_code == region_code)
    today = datetime.now(UTC).date()
    if missed_only:
        stmt = stmt.where(EdiGoal.deadline < today, EdiGoal.withdrawn.is_(False))
    stmt = paginate(stmt, sort_column=EdiGoal.deadline, id_column=EdiGoal.id, params=page)
    rows = list((await session.scalars(stmt)).all())
    values: dict[str, list[dict[str, Any]]] = {}
    reads: dict[uuid.UUID, GoalRead] = {}
    for goal in rows[: page.limit]:
        if goal.org_code not in values:
            values[goal.org_code] = await indicator_values(session, goal.org_code)
        reads[goal.id] = goal_read(goal, values[goal.org_code], today)
    return rows, reads


async def missed_goals_in(
    *, session: AsyncSession, org_codes: Iterable[str]
) -> list[dict[str, Any]]:
    """Goals of these organisations whose deadline passed without the target met: the region's
    flag (shown in its oversight report)."""
    today = datetime.now(UTC).date()
    goals = (
        await session.scalars(
            select(EdiGoal)
            .where(
                EdiGoal.org_code.in_(list(org_codes)),
                EdiGoal.deadline < today,
                EdiGoal.withdrawn.is_(False),
            )
            .order_by(EdiGoal.deadline, EdiGoal.id)
        )
    ).all()
    values: dict[str, list[dict[str, Any]]] = {}
    missed = []
    for goal in goals:
        if goal.org_code not in values:
            values[goal.org_code] = await indicator_values(session, goal.org_code)
        read = goal_read(goal, values[goal.org_code], today)
        if read.status is GoalStatus.MISSED:
            missed.append(
                {
                    "goal_id": str(goal.id),
                    "org_code": goal.org_code,
                    "indicator_code": goal.indicator_code,
                    "target": goal.target,
                    "deadline": goal.deadline.isoformat(),
                    "current_value": read.current_value,
                }
            )
    return missed


async def read_characteristics(
    *, session: AsyncSession, principal: Principal, person_id: str, purpose: str
) -> ProtectedCharacteristicsRead:
    """A person's protected characteristics, with the read written to the audit log in the
    same transaction: no read without its audit row."""
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound(f"No person {person_id} is in the directory")
    if not principal.can_see_org(person.org_code):
        raise Forbidden(f"This token does not reach the organisation of person {person_id}")
    recorded = await session.get(PersonProtectedCharacteristics, person_id)
    session.add(
        EdiAccessAudit(
            subject=principal.subject,
            person_id=person_id,
            org_code=person.org_code,
            purpose=purpose,
        )
    )
    ethnic = recorded.ethnic_category if recorded else None
    return ProtectedCharacteristicsRead(
        person_id=person_id,
        org_code=person.org_code,
        ethnic_category=ethnic,
        wres_group=analytics_domain.wres_group(ethnic),
        disability=recorded.disability if recorded else None,
        sex=recorded.sex if recorded else None,
    )


async def list_audit(
    *, session: AsyncSession, principal: Principal, page: PageParams, person_id: str | None
) -> Sequence[EdiAccessAudit]:
    stmt = select(EdiAccessAudit)
    if (orgs := principal.reach_filter()) is not None:
        stmt = stmt.where(EdiAccessAudit.org_code.in_(orgs))
    if person_id is not None:
        stmt = stmt.where(EdiAccessAudit.person_id == person_id)
    stmt = paginate(
        stmt,
        sort_column=EdiAccessAudit.accessed_at,
        id_column=EdiAccessAudit.id,
        params=page,
        descending=True,
    )
    return (await session.scalars(stmt)).all()
