"""Use cases of organisations under oversight: reading the reference organisations with their
segment and ICB, changing a segment (If-Match) and recording ICB footprint changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.http.auth import Principal
from shared.http.etag import IfMatchPrecondition, check_version
from shared.http.pagination import PageParams
from shared.http.problems import Forbidden, NotFound, PreconditionFailed, invalid_input
from shared.reference.organisations import (
    Organisation,
    OrgType,
    all_organisations,
    get_organisation,
)
from talent.organisations import domain
from talent.organisations.config import oversight_settings
from talent.organisations.models import IcbMembership, OrganisationOversight, OversightSegmentChange
from talent.organisations.schemas import MembershipChange, OrganisationRead, SegmentChange


@dataclass(frozen=True)
class OrganisationView:
    organisation: Organisation
    icb_code: str | None
    oversight: OrganisationOversight | None

    @property
    def version(self) -> int:
        return self.oversight.version if self.oversight is not None else 0

    def read(self) -> OrganisationRead:
        segment = self.oversight.segment if self.oversight is not None else None
        return OrganisationRead(
            ods_code=self.organisation.ods_code,
            name=self.organisation.name,
            org_type=self.organisation.org_type,
            region_code=self.organisation.region_code,
            icb_code=self.icb_code,
            segment=segment,
            segment_effective_from=(
                self.oversight.effective_from if self.oversight is not None else None
            ),
            challenged=domain.is_challenged(
                segment, challenged_from=oversight_settings().challenged_from_segment
            ),
            version=self.version,
        )


def reference_or_404(org_code: str) -> Organisation:
    organisation = get_organisation(org_code)
    if organisation is None:
        raise NotFound(f"No organisation {org_code.upper()} is in the reference data")
    return organisation


def visible_or_403(principal: Principal, org_code: str) -> Organisation:
    organisation = reference_or_404(org_code)
    if not principal.can_see_org(organisation.ods_code):
        raise Forbidden(f"This token does not reach organisation {organisation.ods_code}")
    return organisation


async def current_icbs(
    session: AsyncSession, org_codes: Sequence[str], day: date
) -> dict[str, str]:
    rows = await session.execute(
        select(IcbMembership.org_code, IcbMembership.icb_code).where(
            IcbMembership.org_code.in_(list(org_codes)),
            IcbMembership.effective_from <= day,
            (IcbMembership.effective_to.is_(None)) | (IcbMembership.effective_to > day),
        )
    )
    return {org: icb for org, icb in rows.all()}


async def members_of_icb(session: AsyncSession, icb_code: str, day: date) -> list[str]:
    rows = await session.scalars(
        select(IcbMembership.org_code).where(
            IcbMembership.icb_code == icb_code,
            IcbMembership.effective_from <= day,
            (IcbMembership.effective_to.is_(None)) | (IcbMembership.effective_to > day),
        )
    )
    return sorted(set(rows.all()))


def _icb_of_reference(organisation: Organisation, memberships: dict[str, str]) -> str | None:
    if organisation.org_type is OrgType.ICB:
        return organisation.ods_code
    return memberships.get(organisation.ods_code)


async def get_view(session: AsyncSession, organisation: Organisation) -> OrganisationView:
    memberships = await current_icbs(session, [organisation.ods_code], datetime.now(UTC).date())
    oversight = await session.get(OrganisationOversight, organisation.ods_code)
    return OrganisationView(organisation, _icb_of_reference(organisation, memberships), oversight)


async def list_views(
    *,
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    org_type: OrgType | None,
    region_code: str | None,
    challenged: bool | None,
) -> list[OrganisationView]:
    """Reference organisations in the token's reach, ordered by ODS code (keyset on it)."""
    after = str(page.after[0]) if page.after is not None else None
    candidates = sorted(
        (
            org
            for org in all_organisations()
            if principal.can_see_org(org.ods_code)
            and (org_type is None or org.org_type is org_type)
            and (region_code is None or (org.region_code or org.ods_code) == region_code)
            and (after is None or org.ods_code > after)
        ),
        key=lambda org: org.ods_code,
    )
    codes = [org.ods_code for org in candidates]
    oversight = {
        row.org_code: row
        for row in (
            await session.scalars(
                select(OrganisationOversight).where(OrganisationOversight.org_code.in_(codes))
            )
        ).all()
    }
    settings = oversight_settings()
    views: list[OrganisationView] = []
    selected: list[Organisation] = []
    for org in candidates:
        row = oversight.get(org.ods_code)
        if challenged is not None:
            is_challenged = domain.is_challenged(
                row.segment if row else None, challenged_from=settings.challenged_from_segment
            )
            if is_challenged != challenged:
                continue
        selected.append(org)
        if len(selected) > page.limit:
            break
    memberships = await current_icbs(
        session, [org.ods_code for org in selected], datetime.now(UTC).date()
    )
    for org in selected:
        views.append(
            OrganisationView(org, _icb_of_reference(org, memberships), oversight.get(org.ods_code))
        )
    return views


async def set_segment(
    *,
    session: AsyncSession,
    principal: Principal,
    organisation: Organisation,
    change: SegmentChange,
    if_match: IfMatchPrecondition,
) -> OrganisationView:
    """Place the organisation in a segment; the history keeps every placement.

    The first segment of an organisation is set against version 0 (the ETag of an organisation
    never segmented); the primary key makes two such first writers collide, and the loser 412s.
    """
    expected = if_match.version_for(organisation.ods_code)
    current = await session.get(OrganisationOversight, organisation.ods_code, with_for_update=True)
    previous_segment = current.segment if current is not None else None
    if current is None:
        check_version(0, expected)
        inserted = await session.execute(
            pg_insert(OrganisationOversight)
            .values(
                org_code=organisation.ods_code,
                segment=change.segment,
                effective_from=change.effective_from,
                version=1,
            )
            .on_conflict_do_nothing(index_elements=[OrganisationOversight.org_code])
            .returning(OrganisationOversight.org_code)
        )
        if inserted.first() is None:
            raise PreconditionFailed(
                "The resource has changed since you read it; GET it again and retry"
            )
    else:
        check_version(current.version, expected)
        if change.effective_from < current.effective_from:
            raise invalid_input(
                "body.effective_from",
                "a new segment cannot take effect before the current one did "
                f"({current.effective_from.isoformat()})",
            )
        await session.execute(
            update(OrganisationOversight)
            .where(
                OrganisationOversight.org_code == organisation.ods_code,
                OrganisationOversight.version == expected,
            )
            .values(
                segment=change.segment,
                effective_from=change.effective_from,
                version=OrganisationOversight.version + 1,
                updated_at=datetime.now(UTC),
            )
        )
    session.add(
        OversightSegmentChange(
            org_code=organisation.ods_code,
            segment=change.segment,
            previous_segment=previous_segment,
            effective_from=change.effective_from,
            reason_code=change.reason_code,
            recorded_by=principal.subject,
        )
    )
    await session.flush()
    oversight = await session.get(
        OrganisationOversight, organisation.ods_code, populate_existing=True
    )
    memberships = await current_icbs(session, [organisation.ods_code], datetime.now(UTC).date())
    return OrganisationView(organisation, _icb_of_reference(organisation, memberships), oversight)


async def segment_history(
    *, session: AsyncSession, org_code: str, page: PageParams
) -> Sequence[OversightSegmentChange]:
    from shared.http.pagination import paginate

    stmt = paginate(
        select(OversightSegmentChange).where(OversightSegmentChange.org_code == org_code),
        sort_column=OversightSegmentChange.recorded_at,
        id_column=OversightSegmentChange.id,
        params=page,
        descending=True,
    )
    return (await session.scalars(stmt)).all()


async def memberships(
    *, session: AsyncSession, org_code: str, page: PageParams
) -> Sequence[IcbMembership]:
    from shared.http.pagination import paginate

    stmt = paginate(
        select(IcbMembership).where(IcbMembership.org_code == org_code),
        sort_column=IcbMembership.effective_from,
        id_column=IcbMembership.id,
        params=page,
    )
    return (await session.scalars(stmt)).all()


async def change_membership(
    *, session: AsyncSession, organisation: Organisation, change: MembershipChange
) -> IcbMembership:
    """A footprint change: the current membership ends the day the new one begins."""
    icb = get_organisation(change.icb_code)
    if icb is None or icb.org_type is not OrgType.ICB:
        raise invalid_input(
            "body.icb_code", f"{change.icb_code} is not an ICB in the reference data"
        )
    if not organisation.is_trust:
        raise invalid_input("path.org_code", "only trusts belong to an ICB")
    open_rows = (
        await session.scalars(
            select(IcbMembership)
            .where(
                IcbMembership.org_code == organisation.ods_code,
                IcbMembership.effective_to.is_(None),
            )
            .with_for_update()
        )
    ).all()
    for row in open_rows:
        problem = domain.close_for_change(
            domain.DatedPeriod(row.effective_from, row.effective_to), change.effective_from
        )
        if problem is not None:
            raise invalid_input("body.effective_from", problem)
        if row.icb_code == icb.ods_code:
            raise invalid_input(
                "body.icb_code", f"the organisation already belongs to {icb.ods_code}"
            )
        row.effective_to = change.effective_from
    membership = IcbMembership(
        org_code=organisation.ods_code, icb_code=icb.ods_code, effective_from=change.effective_from
    )
    session.add(membership)
    await session.flush()
    return membership
