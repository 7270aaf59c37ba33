"""The oversight report of an organisation, ICB or region: appraisal completion, standards
compliance, succession bench strength, pipeline diversity, fairness indicators as relative
likelihoods, and board composition against the workforce.

Every figure about people is counted in PostgreSQL (one grouped pass over the area's active
staff), then put through ``shared.disclosure`` before it leaves: counts of 1 to 7 are
suppressed, the rest rounded to 5, breakdowns get secondary suppression, and shares and
relative likelihoods are worked out from the published figures only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import DateTime, SmallInteger, and_, delete, exists, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.disclosure import (
    DEFAULT_POLICY,
    ControlledCount,
    ControlledValue,
    DisclosurePolicy,
    control_breakdown,
    control_count,
    control_rate,
)
from shared.http.auth import Principal
from shared.http.problems import Forbidden, NotFound, invalid_input
from shared.reference.organisations import (
    Organisation,
    OrgType,
    get_organisation,
    organisations_in_region,
)
from talent.analytics import domain
from talent.analytics.domain import COMPARISONS, GROUPS, Dimension
from talent.analytics.models import BoardComposition, OrgCell, TrainingCompletionFact
from talent.organisations import service as organisation_service
from talent.people.models import Person, PersonProtectedCharacteristics
from talent.placements.models import Placement
from talent.pools.models import PoolMembership
from talent.profiles.models import ProfileAppraisal, ProfileEligibility
from talent.reviews.models import ReviewAssessment
from talent.succession.models import SuccessionCandidate, SuccessionPlan

STATUTORY_MANDATORY = "statutory_mandatory"
PLACED_STATUSES = ("accepted", "active", "completed")


class Scope(StrEnum):
    ORGANISATION = "organisation"
    ICB = "icb"
    REGION = "region"


class Outcome(StrEnum):
    """The talent decisions whose fairness is measured (WRES indicator 4 is the first)."""

    NON_MANDATORY_TRAINING = "non_mandatory_training"
    POOL_ENTRY = "pool_entry"
    HIGH_POTENTIAL = "high_potential"
    READY_NOW = "ready_now"
    PLACEMENT = "placement"


@dataclass(frozen=True)
class Area:
    scope: Scope
    code: str
    name: str
    org_codes: tuple[str, ...]
    region_code: str | None


def appraisal_cycle_of(day: date) -> int:
    """The appraisal cycle (NHS financial year, April to March) a day falls in."""
    return day.year if day.month >= 4 else day.year - 1


async def resolve_area(
    session: AsyncSession, principal: Principal, scope: Scope, code: str
) -> Area:
    organisation = get_organisation(code)
    if organisation is None:
        raise NotFound(f"No organisation {code.upper()} is in the reference data")
    if not principal.can_see_org(organisation.ods_code):
        raise Forbidden(f"This token does not reach {organisation.ods_code}")
    expected = {
        Scope.ORGANISATION: (OrgType.NHS_TRUST, OrgType.FOUNDATION_TRUST),
        Scope.ICB: (OrgType.ICB,),
        Scope.REGION: (OrgType.REGION,),
    }[scope]
    if organisation.org_type not in expected:
        raise invalid_input(
            "path.code", f"{organisation.ods_code} is a {organisation.org_type}, not a {scope}"
        )
    today = datetime.now(UTC).date()
    if scope is Scope.ORGANISATION:
        codes: list[str] = [organisation.ods_code]
    elif scope is Scope.ICB:
        codes = [
            organisation.ods_code,
            *await organisation_service.members_of_icb(session, organisation.ods_code, today),
        ]
    else:
        codes = [
            organisation.ods_code,
            *(o.ods_code for o in organisations_in_region(organisation.ods_code)),
        ]
    region = organisation.ods_code if scope is Scope.REGION else organisation.region_code
    return Area(scope, organisation.ods_code, organisation.name, tuple(sorted(set(codes))), region)


@dataclass
class Tally:
    """True counts for one area, by group of each dimension (never leaves this module raw)."""

    staff: dict[Dimension, dict[str, int]] = field(default_factory=dict)
    outcomes: dict[Outcome, dict[Dimension, dict[str, int]]] = field(default_factory=dict)
    staff_total: int = 0
    appraised: int = 0
    managers: int = 0
    compliant_managers: int = 0
    staff_by_org: dict[str, dict[Dimension, dict[str, int]]] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> Tally:
        tally = cls()
        tally.staff = {d: dict.fromkeys(GROUPS[d], 0) for d in Dimension}
        tally.outcomes = {o: {d: dict.fromkeys(GROUPS[d], 0) for d in Dimension} for o in Outcome}
        return tally


def _outcome_flags(cycle_year: int) -> dict[str, Any]:
    person = Person.person_id
    return {
        Outcome.NON_MANDATORY_TRAINING: exists().where(
            TrainingCompletionFact.person_id == person,
            TrainingCompletionFact.category != STATUTORY_MANDATORY,
        ),
        Outcome.POOL_ENTRY: exists().where(
            PoolMembership.person_id == person, PoolMembership.status == "confirmed"
        ),
        Outcome.HIGH_POTENTIAL: exists().where(
            ReviewAssessment.person_id == person, ReviewAssessment.potential == "high"
        ),
        Outcome.READY_NOW: exists().where(
            SuccessionCandidate.person_id == person, SuccessionCandidate.readiness == "ready_now"
        ),
        Outcome.PLACEMENT: exists().where(
            Placement.person_id == person, Placement.status.in_(PLACED_STATUSES)
        ),
        "appraised": exists().where(
            ProfileAppraisal.person_id == person,
            ProfileAppraisal.cycle_year == cycle_year,
            ProfileAppraisal.reopened_at.is_(None),
        ),
        "compliant": exists().where(
            ProfileEligibility.person_id == person, ProfileEligibility.eligible.is_(True)
        ),
    }


def _grouped_counts(cycle_year: int, org_codes: Iterable[str] | None) -> Any:
    """The grouped counts of active staff by organisation and recorded characteristics, for
    the given organisations (None: all of them). Characteristics not recorded come out as ''."""
    flags = _outcome_flags(cycle_year)
    characteristics = PersonProtectedCharacteristics
    ethnic = func.coalesce(characteristics.ethnic_category, "")
    disability = func.coalesce(characteristics.disability, "")
    sex = func.coalesce(characteristics.sex, "")
    columns: list[Any] = [
        Person.org_code.label("org_code"),
        ethnic.label("ethnic_category"),
        disability.label("disability"),
        sex.label("sex"),
        func.count().label("staff"),
        func.count().filter(Person.is_line_manager).label("managers"),
        func.count().filter(and_(Person.is_line_manager, flags["compliant"])).label("compliant"),
        func.count().filter(flags["appraised"]).label("appraised"),
        *(func.count().filter(flags[o]).label(o.value) for o in Outcome),
    ]
    stmt = (
        select(*columns)
        .select_from(Person)
        .outerjoin(characteristics, characteristics.person_id == Person.person_id)
        .where(Person.status == "active")
        .group_by(Person.org_code, ethnic, disability, sex)
    )
    if org_codes is not None:
        stmt = stmt.where(Person.org_code.in_(list(org_codes)))
    return stmt


_DIMENSIONS = (Dimension.ETHNICITY, Dimension.DISABILITY, Dimension.SEX)
_OUTCOMES = tuple(Outcome)
_OUTCOME_COLUMNS = tuple(outcome.value for outcome in Outcome)


@lru_cache(maxsize=8192)
def _groups_of(ethnic: str | None, disability: str | None, sex: str | None) -> tuple[str, ...]:
    # A region has a few thousand cells but only a few hundred combinations of codes.
    return (
        domain.wres_group(ethnic or None),
        domain.disability_group(disability or None),
        domain.sex_group(sex or None),
    )


def _add_row(result: Tally, row: Any) -> None:
    groups = _groups_of(row["ethnic_category"], row["disability"], row["sex"])
    staff = int(row["staff"])
    result.staff_total += staff
    result.managers += int(row["managers"])
    result.compliant_managers += int(row["compliant"])
    result.appraised += int(row["appraised"])
    by_org = result.staff_by_org.get(row["org_code"])
    if by_org is None:
        by_org = {d: dict.fromkeys(GROUPS[d], 0) for d in Dimension}
        result.staff_by_org[row["org_code"]] = by_org
    counts = [int(row[column]) for column in _OUTCOME_COLUMNS]
    outcomes = result.outcomes
    for dimension, group in zip(_DIMENSIONS, groups, strict=True):
        result.staff[dimension][group] += staff
        by_org[dimension][group] += staff
        for outcome, count in zip(_OUTCOMES, counts, strict=True):
            outcomes[outcome][dimension][group] += count


async def tally(session: AsyncSession, org_codes: Iterable[str], cycle_year: int) -> Tally:
    """One grouped pass over the area's active staff and their restricted characteristics."""
    result = Tally.empty()
    for row in (await session.execute(_grouped_counts(cycle_year, org_codes))).mappings():
        _add_row(result, row)
    return result


async def summary_as_of(session: AsyncSession, cycle_year: int) -> datetime | None:
    """When the grouped counts of ``cycle_year`` were last refreshed; None if never."""
    value = await session.scalar(
        select(func.max(OrgCell.refreshed_at)).where(OrgCell.cycle_year == cycle_year)
    )
    return value if isinstance(value, datetime) else None


async def tally_from_summary(session: AsyncSession, org_codes: Iterable[str]) -> Tally:
    result = Tally.empty()
    rows = await session.execute(
        select(
            OrgCell.org_code,
            OrgCell.ethnic_category,
            OrgCell.disability,
            OrgCell.sex,
            OrgCell.staff,
            OrgCell.managers,
            OrgCell.compliant,
            OrgCell.appraised,
            *(getattr(OrgCell, o.value) for o in Outcome),
        ).where(OrgCell.org_code.in_(list(org_codes)))
    )
    for row in rows.mappings():
        _add_row(result, row)
    return result


async def refresh_summary(session: AsyncSession, *, cycle_year: int | None = None) -> int:
    """Recount every organisation's grouped figures into ``analytics_org_cells`` in one
    statement (the caller commits): reports then read a few rows per organisation. Returns the
    number of cells written."""
    cycle = cycle_year or appraisal_cycle_of(datetime.now(UTC).date())
    counts = _grouped_counts(cycle, None).subquery()
    now = datetime.now(UTC)
    # One refresh at a time: a second one waits, then replaces the first's rows (its DELETE
    # runs after the first commits and sees them) instead of colliding on their keys.
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtext("talent.analytics_org_cells")))
    )
    await session.execute(delete(OrgCell))
    names = [
        "org_code",
        "ethnic_category",
        "disability",
        "sex",
        "staff",
        "managers",
        "compliant",
        "appraised",
        *(o.value for o in Outcome),
    ]
    result = await session.execute(
        insert(OrgCell).from_select(
            [*names, "cycle_year", "refreshed_at"],
            select(
                *(counts.c[name] for name in names),
                literal(cycle, SmallInteger()),
                literal(now, DateTime(timezone=True)),
            ),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def bench_strength(session: AsyncSession, org_codes: Iterable[str]) -> tuple[int, int]:
    row = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(SuccessionPlan.ready_now > 0),
            ).where(SuccessionPlan.org_code.in_(list(org_codes)))
        )
    ).one()
    return int(row[0]), int(row[1])


async def board_compositions(
    session: AsyncSession, org_codes: Iterable[str]
) -> list[BoardComposition]:
    rows = await session.scalars(
        select(BoardComposition)
        .where(BoardComposition.org_code.in_(list(org_codes)))
        .order_by(BoardComposition.org_code)
    )
    return list(rows.all())


# ---- rendering after disclosure control ----------------------------------------------------------


def _count(cell: ControlledCount) -> int | str:
    return cell.to_json()


def _share(value: ControlledValue) -> float | str | None:
    rendered = value.to_json()
    return round(rendered, 1) if isinstance(rendered, float) else rendered


def _rate_block(numerator: int, denominator: int, policy: DisclosurePolicy) -> dict[str, Any]:
    num, den = control_count(numerator, policy), control_count(denominator, policy)
    return {
        "numerator": _count(num),
        "denominator": _count(den),
        "rate_pct": _share(control_rate(num, den, policy)),
    }


def _breakdown(counts: dict[str, int], policy: DisclosurePolicy) -> dict[str, Any]:
    published = control_breakdown(counts, policy)
    return {
        "total": _count(published.total),
        "groups": [
            {
                "group": group,
                "count": _count(cell),
                "share_pct": _share(control_rate(cell, published.total, policy)),
            }
            for group, cell in published.cells.items()
        ],
    }


def _shares(counts: dict[str, int], policy: DisclosurePolicy) -> dict[str, ControlledValue]:
    published = control_breakdown(counts, policy)
    return {g: control_rate(c, published.total, policy) for g, c in published.cells.items()}


def _board_rows(
    compositions: list[BoardComposition],
    staff_by_org: dict[str, dict[Dimension, dict[str, int]]],
    policy: DisclosurePolicy,
) -> list[dict[str, Any]]:
    """WRES indicator 9 and WDES metric 10: board voting share against workforce share."""
    rows: list[dict[str, Any]] = []
    for composition in compositions:
        workforce = staff_by_org.get(composition.org_code)
        for group in composition.groups:
            try:
                dimension = Dimension(str(group.get("dimension")))
            except ValueError:
                continue
            if dimension is Dimension.SEX:
                continue  # WRES 9 and WDES 10 compare ethnicity and disability
            voting = group.get("voting_members")
            total = composition.voting_total
            board_share = (
                None
                if group.get("suppressed") or voting is None or not total
                else 100 * voting / total
            )
            workforce_share: float | None = None
            workforce_rendered: float | str | None = None
            if workforce is not None and group.get("group") in workforce[dimension]:
                controlled = _shares(workforce[dimension], policy)[group["group"]]
                workforce_rendered = _share(controlled)
                workforce_share = controlled.value if not controlled.suppressed else None
            rows.append(
                {
                    "org_code": composition.org_code,
                    "as_of": composition.as_of.isoformat(),
                    "dimension": dimension.value,
                    "group": group.get("group"),
                    "board_voting_share_pct": (
                        "*"
                        if board_share is None and group.get("suppressed")
                        else (round(board_share, 1) if board_share is not None else None)
                    ),
                    "workforce_share_pct": workforce_rendered,
                    "difference_pp": domain.board_percentage_difference(
                        board_share, workforce_share
                    ),
                }
            )
    return rows


def render(
    area: Area,
    counts: Tally,
    bench: tuple[int, int],
    compositions: list[BoardComposition],
    *,
    cycle_year: int,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> dict[str, Any]:
    fairness = []
    for outcome in Outcome:
        for dimension in Dimension:
            comparison = domain.controlled_comparison(
                dimension, counts.outcomes[outcome][dimension], counts.staff[dimension], policy
            )
            reference, focus = COMPARISONS[dimension]
            fairness.append(
                {
                    "outcome": outcome.value,
                    "dimension": dimension.value,
                    "reference_group": str(reference),
                    "comparison_group": str(focus),
                    "relative_likelihood": comparison.relative_likelihood,
                    "suppressed": comparison.suppressed,
                    "groups": [
                        {
                            "group": group,
                            "outcome_count": _count(comparison.outcome_counts[group]),
                            "population": _count(comparison.population_counts[group]),
                        }
                        for group in GROUPS[dimension]
                    ],
                }
            )
    pipeline = []
    for dimension in Dimension:
        pool = _shares(counts.outcomes[Outcome.POOL_ENTRY][dimension], policy)
        workforce = _shares(counts.staff[dimension], policy)
        pool_cells = control_breakdown(counts.outcomes[Outcome.POOL_ENTRY][dimension], policy)
        for group in GROUPS[dimension]:
            pipeline.append(
                {
                    "dimension": dimension.value,
                    "group": group,
                    "pool_members": _count(pool_cells.cells[group]),
                    "pool_share_pct": _share(pool[group]),
                    "workforce_share_pct": _share(workforce[group]),
                }
            )
    posts, ready = bench
    return {
        "area": {
            "scope": area.scope.value,
            "code": area.code,
            "name": area.name,
            "organisations": len(area.org_codes),
        },
        "cycle_year": cycle_year,
        "disclosure": {
            "suppress_below_or_equal": policy.suppress_below_or_equal,
            "rounding_base": policy.rounding_base,
        },
        "workforce": {d.value: _breakdown(counts.staff[d], policy) for d in Dimension},
        "appraisal_completion": _rate_block(counts.appraised, counts.staff_total, policy),
        "standards_compliance": _rate_block(counts.compliant_managers, counts.managers, policy),
        "bench_strength": _rate_block(ready, posts, policy),
        "pipeline_diversity": pipeline,
        "fairness": fairness,
        "board_composition": _board_rows(compositions, counts.staff_by_org, policy),
    }


async def oversight_report(
    *,
    session: AsyncSession,
    principal: Principal,
    scope: Scope,
    code: str,
    cycle_year: int | None = None,
) -> tuple[Area, dict[str, Any]]:
    area = await resolve_area(session, principal, scope, code)
    return area, await report_for(session, area, cycle_year=cycle_year)


async def report_for(
    session: AsyncSession, area: Area, *, cycle_year: int | None = None, snapshot: bool = True
) -> dict[str, Any]:
    """``snapshot``: read every figure in one REPEATABLE READ snapshot, so the figures of one
    report describe one moment; only possible before the session has run a statement."""
    cycle = cycle_year or appraisal_cycle_of(datetime.now(UTC).date())
    if snapshot and not session.in_transaction():
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    # The worker's summary when it has been refreshed for this cycle; counted live otherwise.
    as_of = await summary_as_of(session, cycle)
    if as_of is not None:
        counts = await tally_from_summary(session, area.org_codes)
    else:
        counts = await tally(session, area.org_codes, cycle)
    bench = await bench_strength(session, area.org_codes)
    compositions = await board_compositions(session, area.org_codes)
    report = render(area, counts, bench, compositions, cycle_year=cycle)
    report["figures_as_of"] = (as_of or datetime.now(UTC)).isoformat()
    return report


def csv_rows(report: dict[str, Any]) -> list[list[Any]]:
    """The report as flat rows: section, dimension, group, measure, value."""
    rows: list[list[Any]] = [["section", "dimension", "group", "measure", "value"]]
    for dimension, breakdown in report["workforce"].items():
        rows.append(["workforce", dimension, "", "total", breakdown["total"]])
        for g in breakdown["groups"]:
            rows.append(["workforce", dimension, g["group"], "count", g["count"]])
            rows.append(["workforce", dimension, g["group"], "share_pct", g["share_pct"]])
    for section in ("appraisal_completion", "standards_compliance", "bench_strength"):
        for measure, value in report[section].items():
            rows.append([section, "", "", measure, value])
    for item in report["pipeline_diversity"]:
        for measure in ("pool_members", "pool_share_pct", "workforce_share_pct"):
            rows.append(
                ["pipeline_diversity", item["dimension"], item["group"], measure, item[measure]]
            )
    for item in report["fairness"]:
        rows.append(
            [
                f"fairness:{item['outcome']}",
                item["dimension"],
                f"{item['reference_group']}/{item['comparison_group']}",
                "relative_likelihood",
                "*" if item["suppressed"] else item["relative_likelihood"],
            ]
        )
        for g in item["groups"]:
            rows.append(
                [
                    f"fairness:{item['outcome']}",
                    item["dimension"],
                    g["group"],
                    "outcome_count",
                    g["outcome_count"],
                ]
            )
            rows.append(
                [
                    f"fairness:{item['outcome']}",
                    item["dimension"],
                    g["group"],
                    "population",
                    g["population"],
                ]
            )
    for item in report["board_composition"]:
        for measure in ("board_voting_share_pct", "workforce_share_pct", "difference_pp"):
            rows.append(
                [
                    f"board_composition:{item['org_code']}",
                    item["dimension"],
                    item["group"],
                    measure,
                    item[measure],
                ]
            )
    for goal in report.get("missed_edi_goals", []):
        rows.append(
            [
                "missed_edi_goal",
                goal["org_code"],
                goal["indicator_code"],
                "deadline",
                goal["deadline"],
            ]
        )
    return rows


def area_of_org(org: Organisation) -> Area:
    return Area(Scope.ORGANISATION, org.ods_code, org.name, (org.ods_code,), org.region_code)
