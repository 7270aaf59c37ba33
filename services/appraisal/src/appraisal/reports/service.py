"""The appraisal reports: figures from the database, controlled by ``shared.disclosure``.

Counts are grouped and paged by code in SQL. A page's figures are controlled together with
every other member of their groups (all the organisations of an ICB, all the ICBs of a
region), whatever the token's reach, so a figure is the same whoever asks and on whichever
page, and secondary suppression is decided with every member of a group in view.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import String, and_, func, or_, select, union, values
from sqlalchemy import column as sql_column
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
from shared.reference.organisations import all_organisations, get_organisation, icb_of, region_of

COMPLETED = "completed"
CANCELLED = "cancelled"
OUTCOMES = ["exceeds", "meets", "partially_meets", "not_met"]
NATIONAL = "national"


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


def _group_map(level: GroupLevel) -> list[tuple[str, str, str]]:
    """(organisation, its group at ``level``, that group's parent) for every known organisation.

    The reference data lives in code, not in the database, so it travels into the query as a
    VALUES list (a few hundred rows) and the grouping itself happens in SQL.
    """
    rows = []
    for organisation in all_organisations():
        group = _group_code(organisation.ods_code, level)
        if group is not None:
            rows.append((organisation.ods_code, group, _parent(group, level)))
    return rows


def _values(name: str, columns: Sequence[str], rows: Sequence[tuple[str, ...]]) -> Any:
    return values(*(sql_column(each, String) for each in columns), name=name).data(rows)


def _by_code(expression: Any) -> Any:
    # Byte order, as Python compares the codes in the cursor: no locale may reorder them.
    return expression.collate("C")


async def completion(
    *,
    session: AsyncSession,
    principal: Principal,
    cycle_year: int,
    level: GroupLevel,
    page: PageParams,
) -> list[CompletionRow]:
    """One page of the completion report, counted and grouped in SQL.

    Disclosure control needs every member of a group in view (secondary suppression within
    each ICB or region), so the query returns the rows of the page and every sibling of theirs
    under the same parent: the same figures as controlling the whole report, for a page's cost.
    """
    # Due: everyone employed now (the people directory) and everyone with a live appraisal in
    # the cycle, each person counted once per organisation.
    population = union(
        select(Person.person_id, Person.org_code).where(
            Person.status != people_domain.EmploymentStatus.LEFT.value
        ),
        select(Appraisal.person_id, Appraisal.org_code).where(
            Appraisal.cycle_year == cycle_year, Appraisal.status != CANCELLED
        ),
    ).subquery("population")
    # Everyone with a completed appraisal is also in the population (a completed appraisal is
    # a live one), so counting the matches below counts them once per organisation.
    completed_people = (
        select(Appraisal.person_id, Appraisal.org_code)
        .where(Appraisal.cycle_year == cycle_year, Appraisal.status == COMPLETED)
        .distinct()
        .subquery("completed_people")
    )
    per_org = (
        select(
            population.c.org_code.label("org_code"),
            func.count().label("due"),
            func.count(completed_people.c.person_id).label("completed"),
        )
        .select_from(
            population.outerjoin(
                completed_people,
                and_(
                    completed_people.c.person_id == population.c.person_id,
                    completed_people.c.org_code == population.c.org_code,
                ),
            )
        )
        .group_by(population.c.org_code)
        .subquery("per_org")
    )
    groups = _values("org_groups", ("org_code", "group_code", "parent_code"), _group_map(level))
    if level is GroupLevel.ORGANISATION:
        # An organisation missing from the reference data still has its own row, under the
        # national parent, as before grouping moved into SQL.
        source = per_org.outerjoin(groups, groups.c.org_code == per_org.c.org_code)
        code = per_org.c.org_code
        parent = func.coalesce(groups.c.parent_code, NATIONAL)
    else:
        source = per_org.join(groups, groups.c.org_code == per_org.c.org_code)
        code = groups.c.group_code
        parent = groups.c.parent_code
    grouped = (
        select(
            code.label("code"),
            parent.label("parent_code"),
            func.sum(per_org.c.due).label("due"),
            func.sum(per_org.c.completed).label("completed"),
        )
        .select_from(source)
        .group_by(code, parent)
        .cte("grouped")
    )
    page_codes = select(grouped.c.code, grouped.c.parent_code)
    if page.after is not None:
        page_codes = page_codes.where(_by_code(grouped.c.code) > str(page.after[0]))
    if (visible := _visible_filter(principal, level)) is not None:
        page_codes = page_codes.where(grouped.c.code.in_(sorted(visible)))
    page_cte = page_codes.order_by(_by_code(grouped.c.code)).limit(page.limit + 1).cte("page_codes")
    result = (
        await session.execute(
            select(
                grouped.c.code,
                grouped.c.parent_code,
                grouped.c.due,
                grouped.c.completed,
                grouped.c.code.in_(select(page_cte.c.code)).label("in_page"),
            )
            .where(grouped.c.parent_code.in_(select(page_cte.c.parent_code)))
            .order_by(_by_code(grouped.c.code))
        )
    ).all()
    parents = {row.code: row.parent_code for row in result}
    due = {row.code: int(row.due) for row in result}
    completed = {row.code: int(row.completed) for row in result}
    controlled_due = domain.control_within_groups(due, parents.__getitem__, DEFAULT_POLICY)
    controlled_completed = domain.control_within_groups(
        completed, parents.__getitem__, DEFAULT_POLICY
    )
    rows = []
    for row in result:
        if not row.in_page:
            continue
        organisation = get_organisation(row.code)
        rows.append(
            CompletionRow(
                cycle_year=cycle_year,
                code=row.code,
                name=organisation.name if organisation else row.code,
                level=level,
                parent_code=None if row.parent_code == NATIONAL else row.parent_code,
                due=_json(controlled_due[row.code]),
                completed=_json(controlled_completed[row.code]),
                completion_rate=control_rate(
                    controlled_completed[row.code], controlled_due[row.code]
                ).to_json(),
            )
        )
    return rows


def _visible_filter(principal: Principal, level: GroupLevel) -> frozenset[str] | None:
    """The group codes the token may see at ``level``, or None for all: its own
    organisations, and the ICBs and regions they sit in.

    A group row is an aggregate over every member, controlled like the rest, so an
    organisation sees its ICB and region beside its own figures (the point of benchmarking).
    """
    reach = principal.reach_filter()
    if reach is None or level is GroupLevel.ORGANISATION:
        return reach
    return frozenset(group for code in reach if (group := _group_code(code, level)) is not None)


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
    """One page of organisations, by code, each beside its region.

    Counts per organisation and outcome, and the regions' totals, are summed in SQL for the
    organisations of the page and their regions only; an organisation's figures depend on
    nothing else, so a page is the same as the matching slice of the whole report.
    """
    column = (
        Appraisal.performance_outcome
        if outcome is OutcomeKind.PERFORMANCE
        else Appraisal.behaviour_outcome
    )
    regions = _values(
        "org_regions",
        ("org_code", "region_code"),
        [
            (organisation.ods_code, region)
            for organisation in all_organisations()
            if (region := region_of(organisation.ods_code)) is not None
        ],
    )
    counts = (
        select(
            Appraisal.org_code.label("org_code"),
            column.label("outcome"),
            func.count().label("count"),
        )
        .where(
            Appraisal.cycle_year == cycle_year,
            Appraisal.status == COMPLETED,
            column.in_(OUTCOMES),
        )
        .group_by(Appraisal.org_code, column)
        .cte("outcome_counts")
    )
    in_region = (
        select(counts.c.org_code, counts.c.outcome, counts.c.count, regions.c.region_code)
        .join(regions, regions.c.org_code == counts.c.org_code)
        .cte("in_region")
    )
    page_orgs = select(in_region.c.org_code, in_region.c.region_code).group_by(
        in_region.c.org_code, in_region.c.region_code
    )
    if page.after is not None:
        page_orgs = page_orgs.where(_by_code(in_region.c.org_code) > str(page.after[0]))
    if (reach := principal.reach_filter()) is not None:
        page_orgs = page_orgs.where(in_region.c.org_code.in_(sorted(reach)))
    page_cte = (
        page_orgs.order_by(_by_code(in_region.c.org_code)).limit(page.limit + 1).cte("page_orgs")
    )
    own_rows = (
        await session.execute(
            select(
                in_region.c.org_code,
                in_region.c.region_code,
                in_region.c.outcome,
                in_region.c.count,
            ).where(in_region.c.org_code.in_(select(page_cte.c.org_code)))
        )
    ).all()
    region_rows = (
        await session.execute(
            select(
                in_region.c.region_code,
                in_region.c.outcome,
                func.sum(in_region.c.count).label("count"),
            )
            .where(in_region.c.region_code.in_(select(page_cte.c.region_code)))
            .group_by(in_region.c.region_code, in_region.c.outcome)
        )
    ).all()
    by_org: dict[str, dict[str, int]] = {}
    for org_code, _, value, count in own_rows:
        by_org.setdefault(org_code, dict.fromkeys(OUTCOMES, 0))[value] = int(count)
    by_region: dict[str, dict[str, int]] = {}
    for region, value, count in region_rows:
        by_region.setdefault(region, dict.fromkeys(OUTCOMES, 0))[value] = int(count)
    organisations = []
    for org_code in sorted(by_org):
        region = region_of(org_code)
        if region is None:  # joined to its region above; kept for the type checker
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
    return organisations
