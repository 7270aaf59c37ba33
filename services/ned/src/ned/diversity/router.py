"""Board diversity: composition against workforce and population, the appointment pipeline,
and publication. Only figures after disclosure control leave these routes."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from ned.boards import domain as board_domain
from ned.diversity import service as diversity_service
from ned.diversity.domain import Dimension
from ned.diversity.events import CompositionGroup
from ned.diversity.models import BoardCompositionPublication, DiversityBaseline
from ned.diversity.schemas import (
    BaselineRead,
    BaselineSource,
    BaselineUpdate,
    BoardCompositionRead,
    PipelineRead,
    PoolRead,
    PublicationRead,
)
from shared.app import SessionDep, UnitOfWorkDep
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


@router.get("/{org_code}/board-composition", response_model=BoardCompositionRead)
async def get_board_composition(
    org_code: OrgCode, principal: NedReader, session: SessionDep
) -> BoardCompositionRead:
    """The board's voting and executive membership by sex, ethnicity (WRES indicator 9) and
    disability (WDES metric 10), against the workforce and the local population. Counts of 1
    to 7 are suppressed, the rest rounded to 5; shares come from the controlled counts."""
    code = _board_org(org_code, principal)
    return await diversity_service.composition_report(session, code)


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
    return await diversity_service.pipeline_report(session, code, vacancy_id)


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
    return await diversity_service.pool_report(session, organisation.ods_code)


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
