"""The appraisal reports: figures from the database, controlled by ``shared.disclosure``.

Counts are taken over every organisation, then controlled, then filtered to the token's
reach, so a figure is the same whoever asks and secondary suppression is decided with every
member of a group in view.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, TypeVar

from sqlalchemy import func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.appraisals.models import Appraisal
from appraisal.pay import domain as pay_domain
from appraisal.people import domain as people_domain
from appraisal.people.models import Person
from appraisal.reports import domain
from appraisal.reports.schemas import (
    CompletionRow,
    Distribution,
    GroupLevel,
    OrganisationDistribution,
    OutcomeKind,
    VariationTest,
)
from shared.disclosure import DEFAULT_POLICY, ControlledCount, control_breakdown, control_rate
from shared.http.auth import Principal
from shared.http.pagination import PageParams, paginate
from shared.http.problems import Forbidden, NotFound
from shared.reference.organisations import get_organisation, icb_of, region_of

COMPLETED = "completed"
CANCELLED = "cancelled"
OUTCOMES = ["exceeds", "meets", "partially_meets", "not_met"]
NATIONAL = "national"
RowT = TypeVar("RowT")


def _parent(org_code: str, level: GroupLevel) -> str:
    if level is GroupLevel.ORGANISATION:
        return icb_of(org_code) or region_of(org_code) or NATIONAL
    if level is GroupLevel.ICB:
        return region_of(org_code) or NATIONAL
    return NATIONAL


def _group_code(org_code: str, level: GroupLevel) -> str | None:
    if level is GroupLevel.ORGANISATION:
        return org_code
    if level is GroupLevel.ICB:
        return icb_of(org_code)
    return region_of(org_code)


def _json(count: ControlledCount) -> int | str:
    return count.to_json()


def _visible_groups(principal: Principal, level: GroupLevel, codes: Sequence[str]) -> list[str]:
    """Rows the token may see: its own organisations, and the ICBs and regions they sit in.

    A group row is an aggregate over every member, controlled like the rest, so an
    organisation sees its ICB and region beside its own figures (the point of benchmarking).
    """
    reach = principal.reach_filter()
    if reach is None:
        return sorted(codes)
    if level is GroupLevel.ORGANISATION:
        return sorted(code for code in codes if code in reach)
    visible = {_group_code(code, level) for code in reach}
    return sorted(code for code in codes if code in visible)


def _page_of(rows: Sequence[RowT], key: Callable[[RowT], str], page: PageParams) -> list[RowT]:
    """The rows of one page, ordered by code: a report is worked out whole, then paged."""
    after = None if page.after is None else str(page.after[0])
    ordered = sorted(rows, key=key)
    return [row for row in ordered if after is None or key(row) > after][: page.limit + 1]


async def completion(
    *,
    session: AsyncSession,
    principal: Principal,
    cycle_year: int,
    level: GroupLevel,
    page: PageParams,
) -> list[CompletionRow]:
    # Due: everyone employed now (the people directory) and everyone with a live appraisal in
    # the cycle, each person counted once per organisation.
    population = union(
        select(Person.person_id, Person.org_code).where(
            Person.status != people_domain.EmploymentStatus.LEFT.value
        ),
        select(Appraisal.person_id, Appraisal.org_code).where(
            Appraisal.cycle_year == cycle_year, Appraisal.status != CANCELLED
        ),
    ).subquery()
    due_by_org = dict(
        (
            await session.execute(
                select(population.c.org_code, func.count()).group_by(population.c.org_code)
            )
        ).all()
    )
    completed_by_org = dict(
        (
            await session.execute(
                select(Appraisal.org_code, func.count(func.distinct(Appraisal.person_id)))
                .where(Appraisal.cycle_year == cycle_year, Appraisal.status == COMPLETED)
                .group_by(Appraisal.org_code)
            )
        ).all()
    )
    due: dict[str, int] = {}
    completed: dict[str, int] = {}
    for org_code, count in due_by_org.items():
        group = _group_code(org_code, level)
        if group is None:  # unknown to the reference data, or a region asked as an ICB
            continue
        due[group] = due.get(group, 0) + count
        completed[group] = completed.get(group, 0) + completed_by_org.get(org_code, 0)
    controlled_due = domain.control_within_groups(
        due, lambda code: _parent(code, level), DEFAULT_POLICY
    )
    controlled_completed = domain.control_within_groups(
        completed, lambda code: _parent(code, level), DEFAULT_POLICY
    )
    rows = []
    for code in _visible_groups(principal, level, list(due)):
        organisation = get_organisation(code)
        parent = _parent(code, level)
        rows.append(
            CompletionRow(
                cycle_year=cycle_year,
                code=code,
                name=organisation.name if organisation else code,
                level=level,
                parent_code=None if parent == NATIONAL else parent,
                due=_json(controlled_due[code]),
                completed=_json(controlled_completed[code]),
                completion_rate=control_rate(
                    controlled_completed[code], controlled_due[code]
                ).to_json(),
            )
        )
    return _page_of(rows, lambda row: row.code, page)


async def overdue_for_manager(
    *, session: AsyncSession, principal: Principal, manager_id: str, on: date, page: PageParams
) -> Sequence[tuple[Person, date | None]]:
    """The manager's current reports with no appraisal completed in the 12 months to ``on``."""
    manager = await session.get(Person, manager_id)
    if manager is None:
        raise NotFound(f"{manager_id} is not in the people directory")
    if not principal.can_see_org(manager.org_code):
        raise Forbidden(f"This token does not reach the organisation of {manager_id}")
    window_start, _ = pay_domain.appraisal_window(on)
    end = datetime.combine(on + timedelta(days=1), time.min, tzinfo=UTC)
    last = (
        select(
            Appraisal.person_id.label("person_id"),
            func.max(Appraisal.completed_at).label("completed_at"),
        )
        .where(Appraisal.status == COMPLETED, Appraisal.completed_at < end)
        .group_by(Appraisal.person_id)
        .subquery()
    )
    start = datetime.combine(window_start, time.min, tzinfo=UTC)
    stmt = (
        select(Person, last.c.completed_at)
        .outerjoin(last, last.c.person_id == Person.person_id)
        .where(
            Person.line_manager_id == manager_id,
            Person.status != people_domain.EmploymentStatus.LEFT.value,
            or_(last.c.completed_at.is_(None), last.c.completed_at < start),
        )
    )
    if (reach := principal.reach_filter()) is not None:
        stmt = stmt.where(Person.org_code.in_(sorted(reach)))
    stmt = paginate(stmt, sort_column=Person.person_id, id_column=Person.person_id, params=page)
    rows = (await session.execute(stmt)).all()
    return [
        (person, completed_at.astimezone(UTC).date() if completed_at else None)
        for person, completed_at in rows
    ]


def _distribution(counts: dict[str, int]) -> Distribution:
    breakdown = control_breakdown(counts, DEFAULT_POLICY)
    cells = {str(outcome): cell for outcome, cell in breakdown.cells.items()}
    return Distribution(
        total=breakdown.total.to_json(),
        counts={outcome: cell.to_json() for outcome, cell in cells.items()},
        percentages={
            outcome: control_rate(cell, breakdown.total).to_json()
            for outcome, cell in cells.items()
        },
    )


def _band(p_value: float | None) -> Literal["<0.001", "<0.01", ">=0.01"] | None:
    if p_value is None:
        return None
    if p_value < 0.001:
        return "<0.001"
    return "<0.01" if p_value < 0.01 else ">=0.01"


async def outcome_distribution(
    *,
    session: AsyncSession,
    principal: Principal,
    cycle_year: int,
    outcome: OutcomeKind,
    page: PageParams,
) -> list[OrganisationDistribution]:
    column = (
        Appraisal.performance_outcome
        if outcome is OutcomeKind.PERFORMANCE
        else Appraisal.behaviour_outcome
    )
    rows = (
        await session.execute(
            select(Appraisal.org_code, column, func.count())
            .where(
                Appraisal.cycle_year == cycle_year,
                Appraisal.status == COMPLETED,
                column.in_(OUTCOMES),
            )
            .group_by(Appraisal.org_code, column)
        )
    ).all()
    by_org: dict[str, dict[str, int]] = {}
    for org_code, value, count in rows:
        by_org.setdefault(org_code, dict.fromkeys(OUTCOMES, 0))[value] = count
    by_region: dict[str, dict[str, int]] = {}
    for org_code, counts in by_org.items():
        region = region_of(org_code)
        if region is None:
            continue
        totals = by_region.setdefault(region, dict.fromkeys(OUTCOMES, 0))
        for value, count in counts.items():
            totals[value] += count
    reach = principal.reach_filter()
    organisations = []
    for org_code in sorted(by_org):
        region = region_of(org_code)
        if region is None or (reach is not None and org_code not in reach):
            continue
        own = by_org[org_code]
        rest = [by_region[region][value] - own[value] for value in OUTCOMES]
        # The test runs on the true counts; only its verdict and a band of its p-value are
        # shown, since the exact statistic is a function of the cells it could help recover.
        result = domain.homogeneity_test([[own[value] for value in OUTCOMES], rest])
        organisation = get_organisation(org_code)
        organisations.append(
            OrganisationDistribution(
                cycle_year=cycle_year,
                outcome=outcome,
                org_code=org_code,
                name=organisation.name if organisation else org_code,
                region_code=region,
                organisation=_distribution(own),
                region=_distribution(by_region[region]),
                test=VariationTest(
                    method="Pearson chi-squared test of homogeneity, organisation against the "
                    "rest of its region",
                    threshold=domain.SIGNIFICANCE_THRESHOLD,
                    degrees_of_freedom=result.degrees_of_freedom,
                    p_value_band=_band(result.p_value),
                    flagged=bool(result.significant),
                    tested=result.significant is not None,
                    reason=result.reason,
                ),
            )
        )
    return _page_of(organisations, lambda row: row.org_code, page)
