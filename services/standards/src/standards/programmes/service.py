from collections.abc import Sequence

from sqlalchemy import Select, any_, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.http.pagination import PageParams, paginate
from standards.frameworks.domain import VersionStatus
from standards.frameworks.models import Framework, FrameworkStandard, FrameworkVersion
from standards.programmes import domain
from standards.programmes.domain import Category, Level
from standards.programmes.models import Bundle, Programme
from standards.programmes.schemas import BundleProgrammeRead, BundleRead

# The frameworks whose standards say what a level needs: the management and leadership
# standards for every level, and the board framework for the board.
LEVEL_FRAMEWORKS = ("MLS", "LCF-BOARD")


async def get_programme(*, session: AsyncSession, code: str) -> Programme | None:
    return await session.scalar(select(Programme).where(Programme.code == code.upper()))


def _filtered(category: Category | None, level: Level | None) -> Select[Programme]:
    statement = select(Programme)
    if category is not None:
        statement = statement.where(Programme.category == category.value)
    if level is not None:
        statement = statement.where(literal(level.value) == any_(Programme.levels))
    return statement


async def list_programmes(
    *,
    session: AsyncSession,
    page: PageParams,
    category: Category | None = None,
    level: Level | None = None,
) -> Sequence[Programme]:
    statement = paginate(
        _filtered(category, level), sort_column=Programme.code, id_column=Programme.id, params=page
    )
    return (await session.scalars(statement)).all()


async def list_bundles(
    *, session: AsyncSession, page: PageParams, level: Level | None = None
) -> Sequence[Bundle]:
    statement = select(Bundle)
    if level is not None:
        statement = statement.where(Bundle.level == level.value)
    statement = paginate(statement, sort_column=Bundle.code, id_column=Bundle.id, params=page)
    return (await session.scalars(statement)).all()


async def get_bundle(*, session: AsyncSession, code: str) -> Bundle | None:
    return await session.scalar(select(Bundle).where(Bundle.code == code.upper()))


async def level_standards(*, session: AsyncSession, level: str) -> list[str]:
    """Standard codes of the published level frameworks that apply to ``level``."""
    rows = await session.scalars(
        select(FrameworkStandard.code)
        .join(FrameworkVersion, FrameworkVersion.id == FrameworkStandard.version_id)
        .join(Framework, Framework.id == FrameworkVersion.framework_id)
        .where(
            Framework.code.in_(LEVEL_FRAMEWORKS),
            FrameworkVersion.status == VersionStatus.PUBLISHED.value,
            literal(level) == any_(FrameworkStandard.levels),
        )
        .distinct()
        .order_by(FrameworkStandard.code)
    )
    return list(rows)


async def bundle_reads(*, session: AsyncSession, bundles: Sequence[Bundle]) -> list[BundleRead]:
    codes = {item.programme_code for bundle in bundles for item in bundle.programmes}
    programmes = {
        p.code: p for p in await session.scalars(select(Programme).where(Programme.code.in_(codes)))
    }
    by_level: dict[str, list[str]] = {}
    reads = []
    for bundle in bundles:
        if bundle.level not in by_level:
            by_level[bundle.level] = await level_standards(session=session, level=bundle.level)
        members = [programmes[item.programme_code] for item in bundle.programmes]
        covered = [s.standard_code for p in members for s in p.standards]
        reads.append(
            BundleRead(
                code=bundle.code,
                title=bundle.title,
                level=Level(bundle.level),
                provisional=bundle.provisional,
                programmes=[
                    BundleProgrammeRead(
                        code=p.code,
                        title=p.title,
                        category=Category(p.category),
                        standards=[s.standard_code for s in p.standards],
                    )
                    for p in members
                ],
                level_standards=by_level[bundle.level],
                uncovered_standards=domain.uncovered_standards(by_level[bundle.level], covered),
                version=bundle.version,
            )
        )
    return reads
