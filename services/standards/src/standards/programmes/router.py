from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from shared.app import SessionDep
from shared.http.etag import set_etag
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import NotFound
from standards.auth import StandardsReader
from standards.programmes import service as programme_service
from standards.programmes.domain import Category, Level
from standards.programmes.schemas import BundleRead, ProgrammeRead

router = APIRouter(prefix="/v1/programmes", tags=["programmes"])

ProgrammeCodePath = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,39}$", examples=["NLA-MARY-SEACOLE"])
]


@router.get("", response_model=Page[ProgrammeRead])
async def list_programmes(
    page: PageQuery,
    principal: StandardsReader,
    session: SessionDep,
    category: Annotated[Category | None, Query(description="Only this category")] = None,
    level: Annotated[Level | None, Query(description="Only programmes serving this level")] = None,
) -> Page[ProgrammeRead]:
    """The curriculum catalogue, ordered by programme code."""
    rows = await programme_service.list_programmes(
        session=session, page=page, category=category, level=level
    )
    return make_page(rows, page, key_fn=lambda p: (p.code, p.id), item=ProgrammeRead.of)


@router.get("/{code}", response_model=ProgrammeRead)
async def get_programme(
    code: ProgrammeCodePath, principal: StandardsReader, session: SessionDep, response: Response
) -> ProgrammeRead:
    programme = await programme_service.get_programme(session=session, code=code)
    if programme is None:
        raise NotFound(f"No programme has the code {code.upper()}")
    set_etag(response, programme.id, programme.version)
    return ProgrammeRead.of(programme)


bundles_router = APIRouter(prefix="/v1/bundles", tags=["programmes"])

BundleCodePath = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,39}$", examples=["BUNDLE-FIRST-LINE"])
]


@bundles_router.get("", response_model=Page[BundleRead])
async def list_bundles(
    page: PageQuery,
    principal: StandardsReader,
    session: SessionDep,
    level: Annotated[Level | None, Query(description="Only bundles meeting this level")] = None,
) -> Page[BundleRead]:
    """Sets of programmes that together meet a level, ordered by code (national data)."""
    rows = await programme_service.list_bundles(session=session, page=page, level=level)
    reads = {
        read.code: read
        for read in await programme_service.bundle_reads(
            session=session, bundles=rows[: page.limit]
        )
    }
    return make_page(rows, page, key_fn=lambda b: (b.code, b.id), item=lambda b: reads[b.code])


@bundles_router.get("/{code}", response_model=BundleRead)
async def get_bundle(
    code: BundleCodePath, principal: StandardsReader, session: SessionDep, response: Response
) -> BundleRead:
    bundle = await programme_service.get_bundle(session=session, code=code)
    if bundle is None:
        raise NotFound(f"No bundle has the code {code.upper()}")
    set_etag(response, bundle.id, bundle.version)
    (read,) = await programme_service.bundle_reads(session=session, bundles=[bundle])
    return read
