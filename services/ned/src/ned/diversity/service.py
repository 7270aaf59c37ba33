"""Board composition, appointment pipeline and their publication, all after disclosure control.

Characteristics are read from the candidate pool's restricted store; only aggregates leave
this module, and every aggregate goes through `shared.disclosure`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ned.boards.models import Seat
from ned.candidates.models import Candidate, CandidateProtectedCharacteristics
from ned.diversity import domain
from ned.diversity.domain import GROUPS, LIKELIHOOD_PAIRS, Dimension
from ned.diversity.events import BoardCompositionPublished, CompositionGroup
from ned.diversity.models import BoardCompositionPublication, DiversityBaseline
from ned.diversity.schemas import (
    BaselineOrigin,
    BaselineUpdate,
    BoardCompositionRead,
    DimensionComposition,
    DimensionPipeline,
    DimensionPool,
    GroupComposition,
    GroupPipeline,
    GroupPool,
    LikelihoodRead,
    PipelineRead,
    PoolRead,
)
from ned.vacancies.models import Application, CampaignStep, Vacancy
from shared.disclosure import ControlledValue, control_count, control_rate, control_table
from shared.http.etag import check_version
from shared.http.pagination import PageParams, paginate
from shared.uow import UnitOfWork

# Published at least once a quarter per board by the worker; on demand at any time.
SCHEDULED_PUBLICATION_INTERVAL = timedelta(days=91)


def _characteristics(row: CandidateProtectedCharacteristics | None) -> domain.Characteristics:
    if row is None:
        return domain.Characteristics()
    return domain.Characteristics(row.sex, row.ethnic_category, row.disability)


async def board_members(session: AsyncSession, org_code: str) -> list[domain.BoardMember]:
    rows = await session.execute(
        select(Seat, CandidateProtectedCharacteristics)
        .outerjoin(Candidate, Candidate.person_id == Seat.holder_person_id)
        .outerjoin(
            CandidateProtectedCharacteristics,
            CandidateProtectedCharacteristics.candidate_id == Candidate.id,
        )
        .where(Seat.org_code == org_code, Seat.holder_person_id.is_not(None))
    )
    return [
        domain.BoardMember(
            voting=seat.voting,
            executive=seat.role in domain.EXECUTIVE_ROLES,
            characteristics=_characteristics(characteristics),
        )
        for seat, characteristics in rows
    ]


@dataclass(frozen=True)
class Composition:
    voting: dict[Dimension, domain.ControlledBreakdown]
    executive: dict[Dimension, domain.ControlledBreakdown]


def compose(members: list[domain.BoardMember]) -> Composition:
    voting = [m.characteristics for m in members if m.voting]
    executive = [m.characteristics for m in members if m.executive]
    return Composition(
        voting={d: domain.control_breakdown(domain.breakdown(voting, d)) for d in Dimension},
        executive={d: domain.control_breakdown(domain.breakdown(executive, d)) for d in Dimension},
    )


# ---- baselines ---------------------------------------------------------------------------------


async def get_baseline(
    session: AsyncSession, org_code: str, source: str
) -> DiversityBaseline | None:
    return await session.get(DiversityBaseline, (org_code, source))


async def put_baseline(
    *,
    session: AsyncSession,
    org_code: str,
    source: str,
    body: BaselineUpdate,
    expected_version: int,
) -> DiversityBaseline:
    row = await session.get(DiversityBaseline, (org_code, source), with_for_update=True)
    check_version(row.version if row is not None else 0, expected_version)
    counts = {
        dimension.value: {group: groups.get(group, 0) for group in GROUPS[dimension]}
        for dimension, groups in body.counts.items()
    }
    if row is None:
        row = DiversityBaseline(
            org_code=org_code, source=source, as_of=body.as_of, counts=counts, version=1
        )
        session.add(row)
    else:
        row.as_of = body.as_of
        row.counts = counts
        row.version += 1
    await session.flush()
    return row


Shares = dict[Dimension, dict[str, ControlledValue]]


def _baseline_shares(
    baseline: DiversityBaseline | None, national: dict[Dimension, dict[str, float]] | None
) -> tuple[BaselineOrigin, Shares]:
    if baseline is not None:
        shares: Shares = {}
        for dimension in Dimension:
            counts = baseline.counts.get(dimension.value)
            if counts is None:
                shares[dimension] = {}
                continue
            controlled = domain.control_breakdown({g: counts.get(g, 0) for g in GROUPS[dimension]})
            shares[dimension] = controlled.shares
        return BaselineOrigin.ORGANISATION, shares
    if national is not None:
        return BaselineOrigin.NATIONAL_REFERENCE, {
            d: {g: ControlledValue(v, False) for g, v in national.get(d, {}).items()}
            for d in Dimension
        }
    return BaselineOrigin.NONE, {d: {} for d in Dimension}


async def baselines(
    session: AsyncSession, org_code: str
) -> tuple[tuple[BaselineOrigin, Shares], tuple[BaselineOrigin, Shares]]:
    workforce = await get_baseline(session, org_code, "workforce")
    population = await get_baseline(session, org_code, "population")
    return (
        _baseline_shares(workforce, domain.NATIONAL_WORKFORCE_SHARES),
        _baseline_shares(population, None),
    )


# ---- pipeline ----------------------------------------------------------------------------------


async def applicants(
    session: AsyncSession, org_code: str, vacancy_id: uuid.UUID | None
) -> tuple[int, list[domain.Applicant]]:
    vacancy_filter = [Vacancy.org_code == org_code]
    if vacancy_id is not None:
        vacancy_filter.append(Vacancy.id == vacancy_id)
    vacancies = await session.scalar(
        select(func.count()).select_from(Vacancy).where(*vacancy_filter)
    )
    was_shortlisted = exists().where(
        CampaignStep.application_id == Application.id,
        CampaignStep.to_stage.in_(domain.SHORTLISTED_OR_LATER),
    )
    rows = await session.execute(
        select(Application.stage, was_shortlisted, CandidateProtectedCharacteristics)
        .join(Vacancy, Vacancy.id == Application.vacancy_id)
        .outerjoin(
            CandidateProtectedCharacteristics,
            CandidateProtectedCharacteristics.candidate_id == Application.candidate_id,
        )
        .where(*vacancy_filter)
    )
    found = [
        domain.Applicant(
            characteristics=_characteristics(characteristics),
            shortlisted=bool(stepped) or stage in domain.SHORTLISTED_OR_LATER,
            appointed=stage == "appointed",
        )
        for stage, stepped, characteristics in rows
    ]
    return int(vacancies or 0), found


async def pool_members(session: AsyncSession, holder_code: str) -> list[domain.Characteristics]:
    """The characteristics of the candidates in the pool an organisation or region holds."""
    rows = await session.scalars(
        select(CandidateProtectedCharacteristics)
        .join(Candidate, Candidate.id == CandidateProtectedCharacteristics.candidate_id)
        .where(Candidate.org_code == holder_code)
    )
    with_record = [_characteristics(row) for row in rows]
    total = await session.scalar(
        select(func.count()).select_from(Candidate).where(Candidate.org_code == holder_code)
    )
    # Candidates who declared nothing count as unknown, not as missing from the pool.
    return with_record + [domain.Characteristics()] * (int(total or 0) - len(with_record))


# ---- reports (every figure after disclosure control) --------------------------------------


def _share(value: ControlledValue | None) -> float | str | None:
    """A controlled share as published: one decimal place, "*" when suppressed, or null."""
    if value is None:
        return None
    rendered = value.to_json()
    return round(rendered, 1) if isinstance(rendered, float) else rendered


def _gap(board: ControlledValue, baseline: ControlledValue | None) -> ControlledValue:
    if baseline is None:
        return ControlledValue(None, False)
    if baseline.suppressed:
        return ControlledValue(None, True)
    return domain.percentage_point_gap(board, baseline.value)


async def composition_report(session: AsyncSession, code: str) -> BoardCompositionRead:
    """WRES indicator 9 / WDES metric 10 style: the board's voting and executive membership by
    group against the workforce and population baselines."""
    composition = compose(await board_members(session, code))
    (
        (workforce_origin, workforce),
        (population_origin, population),
    ) = await baselines(session, code)
    dimensions = []
    for dimension in Dimension:
        voting = composition.voting[dimension]
        executive = composition.executive[dimension]
        groups = []
        for group in GROUPS[dimension]:
            workforce_share = workforce[dimension].get(group)
            population_share = population[dimension].get(group)
            groups.append(
                GroupComposition(
                    group=group,
                    voting_members=voting.cells[group].to_json(),
                    voting_share_pct=_share(voting.shares[group]),
                    executive_members=executive.cells[group].to_json(),
                    executive_share_pct=_share(executive.shares[group]),
                    workforce_share_pct=_share(workforce_share),
                    population_share_pct=_share(population_share),
                    voting_vs_workforce_pp=_share(_gap(voting.shares[group], workforce_share)),
                    voting_vs_population_pp=_share(_gap(voting.shares[group], population_share)),
                )
            )
        dimensions.append(
            DimensionComposition(
                dimension=dimension, measure=domain.MEASURES[dimension], groups=groups
            )
        )
    return BoardCompositionRead(
        org_code=code,
        as_of=today(),
        voting_total=composition.voting[Dimension.ETHNICITY].total.to_json(),
        executive_total=composition.executive[Dimension.ETHNICITY].total.to_json(),
        workforce_baseline=workforce_origin,
        population_baseline=population_origin,
        dimensions=dimensions,
    )


async def pipeline_report(
    session: AsyncSession, code: str, vacancy_id: uuid.UUID | None
) -> PipelineRead:
    """Applied, shortlisted and appointed by group, with rates and relative likelihoods worked
    out from the controlled counts."""
    vacancies, everyone = await applicants(session, code, vacancy_id)
    stages = {
        "applied": everyone,
        "shortlisted": [a for a in everyone if a.shortlisted],
        "appointed": [a for a in everyone if a.appointed],
    }
    totals = {name: control_count(len(people)) for name, people in stages.items()}
    dimensions = []
    for dimension in Dimension:
        cells = {
            name: control_table(domain.breakdown((a.characteristics for a in people), dimension))
            for name, people in stages.items()
        }
        rates: dict[str, dict[str, ControlledValue]] = {}
        groups = []
        for group in GROUPS[dimension]:
            applied, shortlisted, appointed = (cells[s][group] for s in stages)
            rates[group] = {
                "shortlisted": control_rate(shortlisted, applied),
                "appointed": control_rate(appointed, applied),
                "from_shortlist": control_rate(appointed, shortlisted),
            }
            groups.append(
                GroupPipeline(
                    group=group,
                    applied=applied.to_json(),
                    shortlisted=shortlisted.to_json(),
                    appointed=appointed.to_json(),
                    shortlisting_rate_pct=_share(rates[group]["shortlisted"]),
                    appointment_rate_pct=_share(rates[group]["appointed"]),
                    appointed_from_shortlist_pct=_share(rates[group]["from_shortlist"]),
                )
            )
        reference, focus = LIKELIHOOD_PAIRS[dimension]
        dimensions.append(
            DimensionPipeline(
                dimension=dimension,
                groups=groups,
                relative_likelihood=LikelihoodRead(
                    reference_group=reference,
                    focus_group=focus,
                    shortlisted_from_application=_share(
                        domain.relative_likelihood(
                            rates[reference]["shortlisted"], rates[focus]["shortlisted"]
                        )
                    ),
                    appointed_from_shortlisting=_share(
                        domain.relative_likelihood(
                            rates[reference]["from_shortlist"], rates[focus]["from_shortlist"]
                        )
                    ),
                    appointed_from_application=_share(
                        domain.relative_likelihood(
                            rates[reference]["appointed"], rates[focus]["appointed"]
                        )
                    ),
                ),
            )
        )
    return PipelineRead(
        org_code=code,
        vacancies=vacancies,
        applied_total=totals["applied"].to_json(),
        shortlisted_total=totals["shortlisted"].to_json(),
        appointed_total=totals["appointed"].to_json(),
        dimensions=dimensions,
    )


async def pool_report(session: AsyncSession, holder_code: str) -> PoolRead:
    """The candidate pool a holder keeps, by group."""
    members = await pool_members(session, holder_code)
    dimensions = []
    for dimension in Dimension:
        controlled = domain.control_breakdown(domain.breakdown(members, dimension))
        dimensions.append(
            DimensionPool(
                dimension=dimension,
                groups=[
                    GroupPool(
                        group=group,
                        candidates=controlled.cells[group].to_json(),
                        share_pct=_share(controlled.shares[group]),
                    )
                    for group in GROUPS[dimension]
                ],
            )
        )
    return PoolRead(
        holder_code=holder_code,
        candidates=control_count(len(members)).to_json(),
        dimensions=dimensions,
    )


# ---- publication -------------------------------------------------------------------------------


def composition_groups(composition: Composition) -> list[CompositionGroup]:
    groups = []
    for dimension in Dimension:
        voting = composition.voting[dimension].cells
        executive = composition.executive[dimension].cells
        for group in GROUPS[dimension]:
            groups.append(
                CompositionGroup(
                    dimension=dimension,
                    group=group,
                    voting_members=voting[group].value,
                    executive_members=executive[group].value,
                    suppressed=voting[group].suppressed or executive[group].suppressed,
                )
            )
    return groups


async def publish_composition(
    *, uow: UnitOfWork, org_code: str, trigger: str, now: datetime | None = None
) -> BoardCompositionPublication:
    now = now or datetime.now(UTC)
    composition = compose(await board_members(uow.session, org_code))
    groups = composition_groups(composition)
    any_dimension = Dimension.ETHNICITY
    publication = BoardCompositionPublication(
        id=uuid.uuid4(),
        org_code=org_code,
        as_of=now.date(),
        trigger=trigger,
        published_at=now,
        groups=[g.model_dump(mode="json") for g in groups],
        voting_total=composition.voting[any_dimension].total.value,
        executive_total=composition.executive[any_dimension].total.value,
    )
    uow.session.add(publication)
    await uow.session.flush()
    await uow.publish(
        BoardCompositionPublished(
            publication_id=publication.id,
            org_code=org_code,
            as_of=publication.as_of,
            groups=groups,
            voting_total=publication.voting_total,
            executive_total=publication.executive_total,
            published_at=now,
        )
    )
    return publication


async def list_publications(
    *, session: AsyncSession, org_code: str, page: PageParams
) -> list[BoardCompositionPublication]:
    result = await session.scalars(
        paginate(
            select(BoardCompositionPublication).where(
                BoardCompositionPublication.org_code == org_code
            ),
            sort_column=BoardCompositionPublication.published_at,
            id_column=BoardCompositionPublication.id,
            params=page,
        )
    )
    return list(result)


async def scheduled_publications(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Publish the composition of every board with members whose last publication is older
    than the interval. Returns how many were published."""
    now = now or datetime.now(UTC)
    boards = await uow.session.scalars(
        select(Seat.org_code)
        .where(Seat.holder_person_id.is_not(None))
        .distinct()
        .order_by(Seat.org_code)
    )
    published = 0
    for org_code in list(boards):
        recent = await uow.session.scalar(
            select(BoardCompositionPublication.id)
            .where(
                BoardCompositionPublication.org_code == org_code,
                BoardCompositionPublication.published_at > now - SCHEDULED_PUBLICATION_INTERVAL,
            )
            .limit(1)
        )
        if recent is None:
            await publish_composition(uow=uow, org_code=org_code, trigger="scheduled", now=now)
            published += 1
    return published


def today() -> date:
    return datetime.now(UTC).date()


async def scheduled_step(uow: UnitOfWork) -> int:
    """The worker's publication tick."""
    return await scheduled_publications(uow)
