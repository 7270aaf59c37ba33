"""Board diversity: composition against workforce and population, the appointment pipeline,
and publication. Only figures after disclosure control leave these routes."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from ned.boards import domain as board_domain
from ned.diversity import domain
from ned.diversity import service as diversity_service
from ned.diversity.domain import GROUPS, LIKELIHOOD_PAIRS, Dimension
from ned.diversity.events import CompositionGroup
from ned.diversity.models import BoardCompositionPublication, DiversityBaseline
from ned.diversity.schemas import (
    BaselineRead,
    BaselineSource,
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
    PublicationRead,
)
from shared.app import SessionDep, UnitOfWorkDep
from shared.disclosure import ControlledValue, control_count, control_rate, control_table
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, OperationResult, run_idempotent_in
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import NotFound
from shared.reference.organisations import get_organisation

router = APIRouter(prefix="/v1/diversity", tags=["board diversity"])

OrgCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])]
NedReader = Annotated[Principal, Depends(require_scopes("ned:read"))]
NedWriter = Annotated[Principal, Depends(require_scopes("ned:write"))]


def _board_org(org_code: str, principal: Principal) -> str:
    organisation = get_organisation(org_code)
    if organisation is None or not board_domain.has_board(organisation.org_type):
        raise NotFound(f"No board is known for organisation {org_code.upper()}")
    principal.require_org(organisation.ods_code)
    return organisation.ods_code


def _share(value: ControlledValue | None) -> float | str | None:
    if value is None:
        return None
    rendered = value.to_json()
    return round(rendered, 1) if isinstance(rendered, float) else rendered


@router.get("/{org_code}/board-composition", response_model=BoardCompositionRead)
async def get_board_composition(
    org_code: OrgCode, principal: NedReader, session: SessionDep
) -> BoardCompositionRead:
    """The board's voting and executive membership by sex, ethnicity (WRES indicator 9) and
    disability (WDES metric 10), against the workforce and the local population. Counts of 1
    to 7 are suppressed, the rest rounded to 5; shares come from the controlled counts."""
    code = _board_org(org_code, principal)
    composition = diversity_service.compose(await diversity_service.board_members(session, code))
    (
        (workforce_origin, workforce),
        (population_origin, population),
    ) = await diversity_service.baselines(session, code)
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
        as_of=diversity_service.today(),
        voting_total=composition.voting[Dimension.ETHNICITY].total.to_json(),
        executive_total=composition.executive[Dimension.ETHNICITY].total.to_json(),
        workforce_baseline=workforce_origin,
        population_baseline=population_origin,
        dimensions=dimensions,
    )


def _gap(board: ControlledValue, baseline: ControlledValue | None) -> ControlledValue:
    if baseline is None:
        return ControlledValue(None, False)
    if baseline.suppressed:
        return ControlledValue(None, True)
    return domain.percentage_point_gap(board, baseline.value)


@router.get("/{org_code}/pipeline", response_model=PipelineRead)
async def get_appointment_pipeline(
    org_code: OrgCode,
    principal: NedReader,
    session: SessionDep,
    vacancy_id: Annotated[uuid.UUID | None, Query()] = None,
) -> PipelineRead:
    """Applicant pool, shortlist and appointments by group across the organisation's
    vacancies (or one), with rates and relative likelihoods (WRES 2 / WDES 2 style), all from
    controlled counts."""
    code = _board_org(org_code, principal)
    vacancies, applicants = await diversity_service.applicants(session, code, vacancy_id)
    stages = {
        "applied": applicants,
        "shortlisted": [a for a in applicants if a.shortlisted],
        "appointed": [a for a in applicants if a.appointed],
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


@router.get("/{org_code}/candidate-pool", response_model=PoolRead)
async def get_candidate_pool_diversity(
    org_code: OrgCode, principal: NedReader, session: SessionDep
) -> PoolRead:
    """The NED candidate pool an organisation or NHS England region holds, by sex, ethnicity
    and disability, after disclosure control: the pipeline the Messenger review asks to widen."""
    organisation = get_organisation(org_code)
    if organisation is None:
        raise NotFound(f"No organisation {org_code.upper()}")
    principal.require_org(organisation.ods_code)
    members = await diversity_service.pool_members(session, organisation.ods_code)
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
        holder_code=organisation.ods_code,
        candidates=control_count(len(members)).to_json(),
        dimensions=dimensions,
    )


# ---- baselines ---------------------------------------------------------------------------------


def _baseline_read(
    org_code: str, source: BaselineSource, row: DiversityBaseline | None
) -> BaselineRead:
    if row is not None:
        return BaselineRead(
            org_code=org_code,
            source=source,
            as_of=row.as_of,
            counts={Dimension(d): c for d, c in row.counts.items()},
            is_set=True,
            version=row.version,
        )
    return BaselineRead(
        org_code=org_code, source=source, as_of=None, counts={}, is_set=False, version=0
    )


@router.get("/{org_code}/baselines/{source}", response_model=BaselineRead)
async def get_diversity_baseline(
    org_code: OrgCode,
    source: BaselineSource,
    principal: NedReader,
    session: SessionDep,
    response: Response,
) -> BaselineRead:
    """The organisation's workforce or local population headcounts by group (not yet set:
    version 0; board composition then compares with national workforce figures)."""
    code = _board_org(org_code, principal)
    row = await diversity_service.get_baseline(session, code, source.value)
    read = _baseline_read(code, source, row)
    set_etag(response, f"baseline:{code}:{source.value}", read.version)
    return read


@router.put("/{org_code}/baselines/{source}", response_model=BaselineRead)
async def put_diversity_baseline(
    org_code: OrgCode,
    source: BaselineSource,
    body: BaselineUpdate,
    principal: NedWriter,
    if_match: IfMatchHeader,
    uow: UnitOfWorkDep,
    response: Response,
) -> BaselineRead:
    code = _board_org(org_code, principal)
    row = await diversity_service.put_baseline(
        session=uow.session,
        org_code=code,
        source=source.value,
        body=body,
        expected_version=if_match.version_for(f"baseline:{code}:{source.value}"),
    )
    read = _baseline_read(code, source, row)
    await uow.commit()
    set_etag(response, f"baseline:{code}:{source.value}", read.version)
    return read


# ---- publication -------------------------------------------------------------------------------


def _publication_read(publication: BoardCompositionPublication) -> PublicationRead:
    return PublicationRead(
        id=publication.id,
        org_code=publication.org_code,
        as_of=publication.as_of,
        trigger=publication.trigger,
        published_at=publication.published_at,
        groups=[CompositionGroup.model_validate(g) for g in publication.groups],
        voting_total=publication.voting_total,
        executive_total=publication.executive_total,
    )


@router.post(
    "/{org_code}/board-composition/publications", status_code=201, response_model=PublicationRead
)
async def publish_board_composition(
    org_code: OrgCode,
    request: Request,
    principal: NedWriter,
    uow: UnitOfWorkDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Publish the board's composition now: emits `board.composition.published` with counts
    after disclosure control (the worker also publishes every board each quarter)."""
    code = _board_org(org_code, principal)

    async def publish() -> OperationResult:
        publication = await diversity_service.publish_composition(
            uow=uow, org_code=code, trigger="on_demand"
        )
        location = f"/v1/diversity/{code}/board-composition/publications/{publication.id}"
        return 201, _publication_read(publication), {"Location": location}

    return await run_idempotent_in(
        uow.session, request, principal, publish, commit=uow.commit, key=idempotency_key
    )


@router.get("/{org_code}/board-composition/publications", response_model=Page[PublicationRead])
async def list_board_composition_publications(
    org_code: OrgCode, page: PageQuery, principal: NedReader, session: SessionDep
) -> Page[PublicationRead]:
    code = _board_org(org_code, principal)
    rows = await diversity_service.list_publications(session=session, org_code=code, page=page)
    return make_page(rows, page, key_fn=lambda p: (p.published_at, p.id), item=_publication_read)
