import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import any_, delete, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.http.etag import IfMatchPrecondition, check_version
from shared.http.pagination import PageParams, paginate
from shared.http.problems import Conflict, FieldError, NotFound, UnprocessableEntity
from standards.frameworks import domain
from standards.frameworks.domain import VersionStatus
from standards.frameworks.events import FrameworkPublished
from standards.frameworks.models import (
    Framework,
    FrameworkDomain,
    FrameworkRatingItem,
    FrameworkStandard,
    FrameworkVersion,
)
from standards.frameworks.schemas import FrameworkCreate, VersionContent, VersionCreate
from standards.outbox import Publish
from standards.programmes.domain import ordered_levels


async def list_frameworks(*, session: AsyncSession, page: PageParams) -> Sequence[Framework]:
    statement = paginate(
        select(Framework), sort_column=Framework.code, id_column=Framework.id, params=page
    )
    return (await session.scalars(statement)).all()


async def require_framework(*, session: AsyncSession, code: str) -> Framework:
    framework = await session.scalar(select(Framework).where(Framework.code == code.upper()))
    if framework is None:
        raise NotFound(f"No framework has the code {code.upper()}")
    return framework


async def require_version(
    *, session: AsyncSession, code: str, version: str, for_update: bool = False
) -> FrameworkVersion:
    statement = (
        select(FrameworkVersion)
        .join(Framework, Framework.id == FrameworkVersion.framework_id)
        .where(Framework.code == code.upper(), FrameworkVersion.version == version)
        .execution_options(populate_existing=True)
    )
    if for_update:
        statement = statement.with_for_update(of=FrameworkVersion)
    found = await session.scalar(statement)
    if found is None:
        raise NotFound(f"Framework {code.upper()} has no version {version}")
    return found


async def create_framework(*, session: AsyncSession, framework_in: FrameworkCreate) -> Framework:
    framework_id = await session.scalar(
        insert(Framework)
        .values(
            id=uuid.uuid4(),
            code=framework_in.code,
            title=framework_in.title,
            owner=framework_in.owner,
            source_url=framework_in.source_url,
        )
        .on_conflict_do_nothing(index_elements=[Framework.code])
        .returning(Framework.id)
    )
    if framework_id is None:
        raise Conflict(f"A framework with the code {framework_in.code} already exists")
    return await require_framework(session=session, code=framework_in.code)


async def _check_tree(
    session: AsyncSession, framework: Framework, content: VersionContent, version: str
) -> None:
    predecessor_standards: list[str] | None = None
    problems: list[domain.TreeProblem] = []
    if content.predecessor_version is not None:
        if content.predecessor_version == version:
            problems.append(
                domain.TreeProblem("body.predecessor_version", "a version cannot succeed itself")
            )
        else:
            predecessor = await session.scalar(
                select(FrameworkVersion).where(
                    FrameworkVersion.framework_id == framework.id,
                    FrameworkVersion.version == content.predecessor_version,
                )
            )
            if predecessor is None or predecessor.status == VersionStatus.DRAFT:
                problems.append(
                    domain.TreeProblem(
                        "body.predecessor_version",
                        f"{framework.code} has no published version {content.predecessor_version}",
                    )
                )
            else:
                predecessor_standards = list(
                    await session.scalars(
                        select(FrameworkStandard.code).where(
                            FrameworkStandard.version_id == predecessor.id
                        )
                    )
                )
    codes = [s.code for d in content.domains for s in d.standards]
    owners = {
        code: owner
        for code, owner in await session.execute(
            select(FrameworkStandard.code, Framework.code)
            .join(FrameworkVersion, FrameworkVersion.id == FrameworkStandard.version_id)
            .join(Framework, Framework.id == FrameworkVersion.framework_id)
            .where(FrameworkStandard.code.in_(codes), Framework.id != framework.id)
            .distinct()
        )
    }
    problems += domain.tree_problems(
        domains=[
            domain.DomainShape(
                code=d.code,
                standards=[domain.StandardShape(s.code, s.predecessor_code) for s in d.standards],
            )
            for d in content.domains
        ],
        rating_scale=[domain.RatingShape(i.code, i.proficient) for i in content.rating_scale],
        predecessor_version=content.predecessor_version,
        # An unknown predecessor is reported above; its standards are then none at all.
        predecessor_standards=predecessor_standards or [],
        standard_owners=owners,
    )
    if problems:
        raise UnprocessableEntity(
            "The framework version's tree is not valid",
            errors=[
                FieldError(path=p.path, message=p.message, type="value_error") for p in problems
            ],
        )


def _fill_tree(version: FrameworkVersion, content: VersionContent) -> None:
    version.title = content.title
    version.provisional = content.provisional
    version.source_url = content.source_url
    version.predecessor_version = content.predecessor_version
    for d_position, domain_in in enumerate(content.domains):
        domain_row = FrameworkDomain(
            id=uuid.uuid4(),
            version_id=version.id,
            code=domain_in.code,
            title=domain_in.title,
            description=domain_in.description,
            position=d_position,
        )
        domain_row.standards = [
            FrameworkStandard(
                id=uuid.uuid4(),
                version_id=version.id,
                domain_id=domain_row.id,
                code=s.code,
                title=s.title,
                statement=s.statement,
                example_behaviours=list(s.example_behaviours),
                levels=[level.value for level in ordered_levels(s.levels)],
                provisional=s.provisional,
                refresher_months=s.refresher_months,
                predecessor_code=s.predecessor_code,
                position=s_position,
            )
            for s_position, s in enumerate(domain_in.standards)
        ]
        version.domains.append(domain_row)
    version.rating_items = [
        FrameworkRatingItem(
            version_id=version.id,
            code=item.code,
            label=item.label,
            position=position,
            proficient=item.proficient,
            provisional=item.provisional,
        )
        for position, item in enumerate(content.rating_scale)
    ]


async def create_version(
    *, session: AsyncSession, code: str, version_in: VersionCreate
) -> FrameworkVersion:
    # The framework row lock serialises drafts of one framework: two curators creating the same
    # version label get one draft and one 409.
    framework = await require_framework(session=session, code=code)
    await session.execute(
        select(Framework.id).where(Framework.id == framework.id).with_for_update()
    )
    existing = await session.scalar(
        select(FrameworkVersion.status).where(
            FrameworkVersion.framework_id == framework.id,
            FrameworkVersion.version == version_in.version,
        )
    )
    if existing is not None:
        raise Conflict(
            f"{framework.code} already has a version {version_in.version} ({existing})",
            current_status=existing,
        )
    await _check_tree(session, framework, version_in, version_in.version)
    version = FrameworkVersion(
        id=uuid.uuid4(),
        framework_id=framework.id,
        version=version_in.version,
        status=VersionStatus.DRAFT.value,
        title=version_in.title,
        revision=1,
        domains=[],
        rating_items=[],
    )
    _fill_tree(version, version_in)
    session.add(version)
    await session.flush()
    return await require_version(session=session, code=framework.code, version=version.version)


async def _locked_draft(
    session: AsyncSession, code: str, version: str, if_match: IfMatchPrecondition
) -> FrameworkVersion:
    row = await require_version(session=session, code=code, version=version, for_update=True)
    expected = if_match.version_for(row.id)
    # Immutability first: a caller holding the ETag of a draft that was published since learns
    # that it can never change, which a 412 would hide.
    try:
        domain.check_editable(row.version, VersionStatus(row.status))
    except domain.FrameworkVersionNotEditable as exc:
        raise Conflict(str(exc), current_status=row.status) from exc
    check_version(row.revision, expected)
    return row


async def replace_version(
    *,
    session: AsyncSession,
    code: str,
    version: str,
    content: VersionContent,
    if_match: IfMatchPrecondition,
) -> FrameworkVersion:
    row = await _locked_draft(session, code, version, if_match)
    await _check_tree(session, row.framework, content, row.version)
    # Replace the tree wholesale: children go first, so unique (version, code) never clashes.
    await session.execute(delete(FrameworkDomain).where(FrameworkDomain.version_id == row.id))
    await session.execute(
        delete(FrameworkRatingItem).where(FrameworkRatingItem.version_id == row.id)
    )
    await session.flush()
    session.expire(row, ["domains", "rating_items"])
    await session.refresh(row, ["domains", "rating_items"])
    _fill_tree(row, content)
    row.revision += 1
    await session.flush()
    return await require_version(session=session, code=code, version=version)


async def _latest_published(session: AsyncSession, framework_id: uuid.UUID) -> str | None:
    return await session.scalar(
        select(FrameworkVersion.version)
        .where(
            FrameworkVersion.framework_id == framework_id,
            FrameworkVersion.status == VersionStatus.PUBLISHED.value,
        )
        .order_by(FrameworkVersion.published_at.desc(), FrameworkVersion.version.desc())
        .limit(1)
    )


async def publish_version(
    *,
    session: AsyncSession,
    publish: Publish,
    code: str,
    version: str,
    if_match: IfMatchPrecondition,
    now: datetime | None = None,
) -> FrameworkVersion:
    row = await require_version(session=session, code=code, version=version, for_update=True)
    expected = if_match.version_for(row.id)
    try:
        domain.check_transition(row.version, VersionStatus(row.status), VersionStatus.PUBLISHED)
    except domain.InvalidVersionTransition as exc:
        raise Conflict(str(exc), current_status=row.status) from exc
    check_version(row.revision, expected)
    published_at = now or datetime.now(UTC)
    row.previous_version = await _latest_published(session, row.framework_id)
    row.status = VersionStatus.PUBLISHED.value
    row.published_at = published_at
    row.revision += 1
    await session.flush()
    await publish(
        FrameworkPublished(
            code=row.framework.code,
            version=row.version,
            published_at=published_at,
            previous_version=row.previous_version,
            predecessor_version=row.predecessor_version,
            standard_codes=[s.code for d in row.domains for s in d.standards],
        )
    )
    return row


async def retire_version(
    *,
    session: AsyncSession,
    code: str,
    version: str,
    if_match: IfMatchPrecondition,
    now: datetime | None = None,
) -> FrameworkVersion:
    row = await require_version(session=session, code=code, version=version, for_update=True)
    expected = if_match.version_for(row.id)
    try:
        domain.check_transition(row.version, VersionStatus(row.status), VersionStatus.RETIRED)
    except domain.InvalidVersionTransition as exc:
        raise Conflict(str(exc), current_status=row.status) from exc
    check_version(row.revision, expected)
    row.status = VersionStatus.RETIRED.value
    row.retired_at = now or datetime.now(UTC)
    row.revision += 1
    await session.flush()
    return row


async def published_standards(
    *, session: AsyncSession, level: str | None = None
) -> Sequence[FrameworkStandard]:
    """Standards of every currently published framework version, optionally for one level."""
    statement = (
        select(FrameworkStandard)
        .join(FrameworkVersion, FrameworkVersion.id == FrameworkStandard.version_id)
        .where(FrameworkVersion.status == VersionStatus.PUBLISHED.value)
        .order_by(FrameworkStandard.code)
    )
    if level is not None:
        statement = statement.where(literal(level) == any_(FrameworkStandard.levels))
    return (await session.scalars(statement)).all()
