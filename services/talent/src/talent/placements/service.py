"""Use cases of challenged-organisation roles and placements.

Matching reads what the other talent areas already hold: confirmed pool memberships (pools),
readiness in succession plans at the role's level (succession), and the career aspirations of
the latest completed appraisal (profiles). It never reads protected characteristics.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.http.auth import Principal
from shared.http.etag import IfMatchPrecondition, check_version
from shared.http.pagination import PageParams, paginate
from shared.http.problems import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    UnprocessableEntity,
    invalid_input,
)
from shared.reference.organisations import region_of
from shared.uow import UnitOfWork
from talent.organisations import domain as oversight_domain
from talent.organisations import service as organisation_service
from talent.organisations.config import oversight_settings
from talent.organisations.models import OrganisationOversight
from talent.people.models import Person
from talent.placements import domain
from talent.placements.domain import Candidate, Match, PlacementAction, PlacementStatus, RoleSite
from talent.placements.events import PlacementAccepted
from talent.placements.models import ChallengedRole, Placement
from talent.placements.schemas import OfferCreate, PlacementTransition, RoleCreate
from talent.pools.models import PoolMembership
from talent.profiles.models import ProfileAppraisal
from talent.succession.models import SuccessionCandidate

CONFIRMED = "confirmed"


async def create_role(
    *, session: AsyncSession, principal: Principal, role_in: RoleCreate
) -> ChallengedRole:
    organisation = organisation_service.visible_or_403(principal, role_in.org_code)
    if not organisation.is_trust:
        raise invalid_input("body.org_code", "challenged-organisation roles are at trusts")
    oversight = await session.get(OrganisationOversight, organisation.ods_code)
    threshold = oversight_settings().challenged_from_segment
    if not oversight_domain.is_challenged(
        oversight.segment if oversight else None, challenged_from=threshold
    ):
        raise invalid_input(
            "body.org_code",
            f"{organisation.ods_code} is not a challenged organisation (segment {threshold} or "
            "above in the NHS Oversight Framework)",
            type="not_challenged",
        )
    problems = domain.package_problems(
        pay_minimum=role_in.pay_minimum,
        pay_maximum=role_in.pay_maximum,
        approval_reference=role_in.pay_approval_reference,
        improvement_plan_peer_review=role_in.improvement_plan_peer_review,
        peer_reviewer_org_code=role_in.peer_reviewer_org_code,
        org_code=organisation.ods_code,
    )
    if problems:
        raise UnprocessableEntity(
            "The support package is not acceptable",
            errors=[
                FieldError(path=f"body.{path}", message=message, type="package_invalid")
                for path, message in problems
            ],
        )
    role = ChallengedRole(
        **role_in.model_dump(exclude={"org_code"}),
        org_code=organisation.ods_code,
        status="open",
        created_by=principal.subject,
    )
    session.add(role)
    await session.flush()
    await session.refresh(role)
    return role


async def visible_role(
    session: AsyncSession, principal: Principal, role_id: uuid.UUID, *, lock: bool = False
) -> ChallengedRole:
    role = await session.get(ChallengedRole, role_id, with_for_update=lock)
    if role is None:
        raise NotFound(f"No challenged-organisation role {role_id}")
    if not principal.can_see_org(role.org_code):
        raise Forbidden(f"This token does not reach the organisation of role {role_id}")
    return role


async def list_roles(
    *, session: AsyncSession, principal: Principal, page: PageParams, org_code: str | None
) -> Sequence[ChallengedRole]:
    stmt = select(ChallengedRole)
    if (orgs := principal.reach_filter()) is not None:
        stmt = stmt.where(ChallengedRole.org_code.in_(orgs))
    if org_code is not None:
        stmt = stmt.where(ChallengedRole.org_code == org_code)
    stmt = paginate(
        stmt, sort_column=ChallengedRole.created_at, id_column=ChallengedRole.id, params=page
    )
    return (await session.scalars(stmt)).all()


async def _candidates(
    session: AsyncSession, principal: Principal, role: ChallengedRole
) -> list[Candidate]:
    """Confirmed members of any pool, in the token's reach, with readiness and aspirations."""
    memberships = (
        await session.execute(
            select(PoolMembership.person_id, PoolMembership.org_code, PoolMembership.pool_id).where(
                PoolMembership.status == CONFIRMED
            )
        )
    ).all()
    pools_of: dict[str, list[str]] = {}
    pool_org: dict[str, str] = {}
    for person_id, org_code, pool_id in memberships:
        pools_of.setdefault(person_id, []).append(str(pool_id))
        pool_org.setdefault(person_id, org_code)
    if not pools_of:
        return []
    person_ids = sorted(pools_of)
    directory = {
        p.person_id: p.org_code
        for p in (
            await session.scalars(select(Person).where(Person.person_id.in_(person_ids)))
        ).all()
    }
    readiness_rows = (
        await session.execute(
            select(SuccessionCandidate.person_id, SuccessionCandidate.readiness).where(
                SuccessionCandidate.person_id.in_(person_ids),
                SuccessionCandidate.level == role.level,
            )
        )
    ).all()
    readiness: dict[str, list[str]] = {}
    for person_id, value in readiness_rows:
        readiness.setdefault(person_id, []).append(value)
    latest = (
        select(
            ProfileAppraisal.person_id,
            ProfileAppraisal.aspirations,
            func.row_number()
            .over(
                partition_by=ProfileAppraisal.person_id,
                order_by=(
                    ProfileAppraisal.completed_at.desc(),
                    ProfileAppraisal.appraisal_id.desc(),
                ),
            )
            .label("position"),
        )
        .where(ProfileAppraisal.person_id.in_(person_ids), ProfileAppraisal.reopened_at.is_(None))
        .subquery()
    )
    aspirations: dict[str, dict[str, Any]] = {
        person_id: value or {}
        for person_id, value in (
            await session.execute(
                select(latest.c.person_id, latest.c.aspirations).where(latest.c.position == 1)
            )
        ).all()
    }
    org_codes = {directory.get(p) or pool_org[p] for p in person_ids}
    icbs = await organisation_service.current_icbs(
        session, sorted(org_codes), datetime.now(UTC).date()
    )
    candidates = []
    for person_id in person_ids:
        org_code = directory.get(person_id) or pool_org[person_id]
        if not principal.can_see_org(org_code):
            continue
        wishes = aspirations.get(person_id, {})
        interest = wishes.get("challenged_organisation_interest")
        candidates.append(
            Candidate(
                person_id=person_id,
                org_code=org_code,
                org_icb=icbs.get(org_code),
                org_region=region_of(org_code),
                readiness=domain.best_readiness(readiness.get(person_id, [])),
                target_level=wishes.get("target_level"),
                direction=wishes.get("direction"),
                mobility=wishes.get("mobility"),
                challenged_interest=interest if isinstance(interest, bool) else None,
                pool_ids=tuple(sorted(pools_of[person_id])),
            )
        )
    return candidates


async def site_of(session: AsyncSession, role: ChallengedRole) -> RoleSite:
    icbs = await organisation_service.current_icbs(
        session, [role.org_code], datetime.now(UTC).date()
    )
    return RoleSite(role.org_code, icbs.get(role.org_code), region_of(role.org_code), role.level)


async def match_role(
    *, session: AsyncSession, principal: Principal, role_id: uuid.UUID
) -> tuple[ChallengedRole, list[tuple[Match, str | None]]]:
    role = await visible_role(session, principal, role_id)
    candidates = await _candidates(session, principal, role)
    orgs = {c.person_id: c.org_code for c in candidates}
    ranked = domain.rank(candidates, await site_of(session, role))
    return role, [(m, orgs.get(m.person_id)) for m in ranked]


def match_snapshot(found: Match) -> dict[str, Any]:
    return {
        "score": found.score,
        "fits": found.fits,
        "excluded_because": list(found.excluded_because),
        "factors": [
            {
                "factor": str(f.factor),
                "score": f.score,
                "weight": f.weight,
                "reason_code": f.reason_code,
                "explanation": f.explanation,
            }
            for f in found.factors
        ],
    }


async def make_offer(
    *, session: AsyncSession, principal: Principal, role_id: uuid.UUID, offer: OfferCreate
) -> Placement:
    role = await visible_role(session, principal, role_id, lock=True)
    if role.status != "open":
        raise Conflict(f"Role {role_id} is {role.status}; offers are made only for open roles")
    candidates = await _candidates(session, principal, role)
    chosen = next((c for c in candidates if c.person_id == offer.person_id), None)
    if chosen is None:
        raise invalid_input(
            "body.person_id",
            "the person is not a confirmed member of a talent pool in this token's reach",
            type="not_a_candidate",
        )
    found = domain.match(chosen, await site_of(session, role))
    if not found.fits:
        raise invalid_input(
            "body.person_id",
            "the person does not fit this role: " + ", ".join(found.excluded_because),
            type="does_not_fit",
        )
    live = await session.scalar(
        select(Placement.id).where(
            Placement.role_id == role.id,
            Placement.person_id == offer.person_id,
            Placement.status.in_(
                [PlacementStatus.OFFERED, PlacementStatus.ACCEPTED, PlacementStatus.ACTIVE]
            ),
        )
    )
    if live is not None:
        raise Conflict(f"Person {offer.person_id} already has a live offer for this role")
    placement = Placement(
        role_id=role.id,
        org_code=role.org_code,
        person_id=offer.person_id,
        home_org_code=chosen.org_code,
        status=PlacementStatus.OFFERED,
        match=match_snapshot(found),
        start_date=offer.start_date,
    )
    session.add(placement)
    await session.flush()
    await session.refresh(placement)
    return placement


async def visible_placement(
    session: AsyncSession, principal: Principal, placement_id: uuid.UUID, *, lock: bool = False
) -> Placement:
    placement = await session.get(
        Placement, placement_id, with_for_update=lock, populate_existing=lock
    )
    if placement is None:
        raise NotFound(f"No placement {placement_id}")
    if not principal.can_see_org(placement.org_code):
        raise Forbidden(f"This token does not reach the organisation of placement {placement_id}")
    return placement


async def list_placements(
    *,
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    role_id: uuid.UUID | None,
    status: PlacementStatus | None,
) -> Sequence[Placement]:
    stmt = select(Placement)
    if (orgs := principal.reach_filter()) is not None:
        stmt = stmt.where(Placement.org_code.in_(orgs))
    if role_id is not None:
        stmt = stmt.where(Placement.role_id == role_id)
    if status is not None:
        stmt = stmt.where(Placement.status == status)
    stmt = paginate(stmt, sort_column=Placement.offered_at, id_column=Placement.id, params=page)
    return (await session.scalars(stmt)).all()


async def transition(
    *,
    uow: UnitOfWork,
    principal: Principal,
    placement_id: uuid.UUID,
    if_match: IfMatchPrecondition,
    change: PlacementTransition,
) -> Placement:
    session = uow.session
    placement = await visible_placement(session, principal, placement_id, lock=True)
    check_version(placement.version, if_match.version_for(placement.id))
    target = domain.next_status(PlacementStatus(placement.status), change.action)
    if target is None:
        raise Conflict(f"A placement that is {placement.status} cannot be sent '{change.action}'")
    now = datetime.now(UTC)
    role = await session.get(ChallengedRole, placement.role_id, with_for_update=True)
    assert role is not None  # a foreign key holds it
    if change.action is PlacementAction.ACCEPT:
        if role.status != "open":
            raise Conflict(f"Role {role.id} is {role.status}; the offer can no longer be accepted")
        placement.accepted_at = now
        if change.start_date is not None:
            placement.start_date = change.start_date
        role.status = "filled"
        role.version += 1
        role.updated_at = now
        await uow.publish(
            PlacementAccepted(
                placement_id=placement.id,
                person_id=placement.person_id,
                org_code=placement.org_code,
                role_id=role.id,
                role=role.title,
                level=role.level,
                start_date=placement.start_date,
                package_code=role.package_code,
                accepted_at=now,
            )
        )
    elif change.action is PlacementAction.DECLINE:
        placement.declined_at = now
        placement.decline_reason_code = change.reason_code
    elif change.action is PlacementAction.START:
        placement.started_at = now
        if change.start_date is not None:
            placement.start_date = change.start_date
        elif placement.start_date is None:
            placement.start_date = now.date()
    elif change.action is PlacementAction.COMPLETE:
        if change.outcome_code is None:
            raise invalid_input("body.outcome_code", "completing a placement records its outcome")
        placement.completed_at = now
        placement.outcome_code = change.outcome_code
    elif change.action is PlacementAction.WITHDRAW and placement.status == PlacementStatus.ACCEPTED:
        role.status = "open"
        role.version += 1
    placement.status = target
    placement.version += 1
    await session.flush()
    return placement
