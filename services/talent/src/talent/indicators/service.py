"""Publishing an organisation's indicators: on demand, and once per quarter by the sweep."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.http.auth import Principal
from shared.http.pagination import PageParams, paginate
from shared.http.problems import Forbidden, NotFound
from shared.reference.organisations import get_organisation
from shared.uow import UnitOfWork
from talent.analytics import service as analytics_service
from talent.indicators import domain
from talent.indicators.events import IndicatorsPublished, PublishedIndicator
from talent.indicators.models import IndicatorPublication
from talent.people.models import Person


async def publish(
    *, uow: UnitOfWork, org_code: str, period: str, trigger: str, now: datetime | None = None
) -> IndicatorPublication | None:
    """Compute and publish; None when the quarter's publication for the organisation exists."""
    organisation = get_organisation(org_code)
    if organisation is None:
        raise NotFound(f"No organisation {org_code} is in the reference data")
    session = uow.session
    report = await analytics_service.report_for(
        session, analytics_service.area_of_org(organisation), snapshot=False
    )
    indicators = domain.indicators_from_report(report)
    moment = now or datetime.now(UTC)
    publication_id = uuid.uuid4()
    inserted = await session.execute(
        pg_insert(IndicatorPublication)
        .values(
            id=publication_id,
            org_code=organisation.ods_code,
            period=period,
            trigger=trigger,
            indicators=indicators,
            published_at=moment,
        )
        .on_conflict_do_nothing()
        .returning(IndicatorPublication.id)
    )
    if inserted.first() is None:
        return None
    await uow.publish(
        IndicatorsPublished(
            publication_id=publication_id,
            org_code=organisation.ods_code,
            period=period,
            trigger=trigger,
            indicators=[PublishedIndicator(**item) for item in indicators],
            published_at=moment,
        )
    )
    return await session.get(IndicatorPublication, publication_id)


async def sweep(*, db: Database, service_name: str, today: date) -> list[str]:
    """Publish the previous quarter's indicators for every organisation with staff in the
    directory that has not had them yet; returns the organisations published now.

    One transaction per organisation, so one failure does not hold back the others, and a
    rerun (or a second replica) publishes nothing twice (the unique quarterly index).
    """
    period = domain.previous_quarter(today)
    async with db.session() as session:
        org_codes = (await session.scalars(select(Person.org_code).distinct())).all()
    published: list[str] = []
    for org_code in sorted(org_codes):
        if get_organisation(org_code) is None:
            continue
        async with UnitOfWork(db, service_name=service_name) as uow:
            publication = await publish(
                uow=uow, org_code=org_code, period=period, trigger="quarterly"
            )
            await uow.commit()
        if publication is not None:
            published.append(org_code)
    return published


async def list_publications(
    *, session: AsyncSession, principal: Principal, page: PageParams, org_code: str | None
) -> Sequence[IndicatorPublication]:
    stmt = select(IndicatorPublication)
    if (orgs := principal.reach_filter()) is not None:
        stmt = stmt.where(IndicatorPublication.org_code.in_(orgs))
    if org_code is not None:
        stmt = stmt.where(IndicatorPublication.org_code == org_code)
    stmt = paginate(
        stmt,
        sort_column=IndicatorPublication.published_at,
        id_column=IndicatorPublication.id,
        params=page,
        descending=True,
    )
    return (await session.scalars(stmt)).all()


async def get_publication(
    *, session: AsyncSession, principal: Principal, publication_id: uuid.UUID
) -> IndicatorPublication:
    publication = await session.get(IndicatorPublication, publication_id)
    if publication is None:
        raise NotFound(f"No indicator publication {publication_id}")
    if not principal.can_see_org(publication.org_code):
        raise Forbidden(f"This token does not reach the organisation of {publication_id}")
    return publication
