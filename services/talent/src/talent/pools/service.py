"""Use cases of talent pools: creating them, proposing members by rule, deciding on members."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.http.pagination import PageParams, paginate
from shared.reference.organisations import (
    get_organisation,
    organisations_in_icb,
    organisations_in_region,
)
from talent.conversations import service as conversation_service
from talent.people.models import Person
from talent.pools import domain
from talent.pools.domain import MembershipStatus, PersonFacts, PoolScope
from talent.pools.models import PoolMembership, PoolMembershipChange, TalentPool
from talent.profiles.models import ProfileAppraisal, ProfileEligibility

NATIONAL_OWNER = "ENG"


class UnknownScope(ValueError):
    """A pool scope naming no organisation, ICS or region the reference data knows."""


def scope_organisations(scope: PoolScope, code: str | None) -> frozenset[str] | None:
    """The organisations a pool covers (None: all of them)."""
    if scope is PoolScope.NATIONAL or code is None:
        return None
    if scope is PoolScope.ORGANISATION:
        if get_organisation(code) is None:
            raise UnknownScope(f"{code} is not an organisation in the reference data")
        return frozenset({code})
    members = (
        organisations_in_icb(code) if scope is PoolScope.ICS else organisations_in_region(code)
    )
    if not members:
        raise UnknownScope(f"{code} is not a known {'ICB' if scope is PoolScope.ICS else 'region'}")
    return frozenset({code, *(org.ods_code for org in members)})


def enclosing_scopes(org_code: str) -> frozenset[str]:
    """The ICB and region an organisation belongs to (as far as the reference data says)."""
    organisation = get_organisation(org_code)
    if organisation is None:
        return frozenset()
    return frozenset(c for c in (organisation.icb_code, organisation.region_code) if c)


async def create_pool(
    session: AsyncSession,
    *,
    name: str,
    scope: PoolScope,
    scope_code: str | None,
    rules: dict[str, Any],
    created_by: str,
) -> TalentPool:
    pool = TalentPool(
        id=uuid.uuid4(),
        name=name,
        scope=scope.value,
        scope_code=scope_code,
        owner_code=scope_code or NATIONAL_OWNER,
        rules=rules,
        version=1,
        created_by=created_by[:200],
    )
    session.add(pool)
    await session.flush()
    await session.refresh(pool)
    return pool


async def get_pool(session: AsyncSession, pool_id: uuid.UUID) -> TalentPool | None:
    return await session.get(TalentPool, pool_id)


async def list_pools(
    session: AsyncSession, *, visible_orgs: frozenset[str] | None, page: PageParams
) -> Sequence[TalentPool]:
    stmt = select(TalentPool)
    if visible_orgs is not None:
        stmt = stmt.where(
            or_(TalentPool.owner_code.in_(visible_orgs), TalentPool.scope == PoolScope.NATIONAL)
        )
    stmt = paginate(stmt, sort_column=TalentPool.created_at, id_column=TalentPool.id, params=page)
    return (await session.scalars(stmt)).all()


async def _facts(session: AsyncSession, people: Select[Any]) -> list[PersonFacts]:
    row: Any  # one row type per query below
    rows = (await session.execute(people)).all()
    if not rows:
        return []
    ids = [row.person_id for row in rows]
    appraisals = ProfileAppraisal.__table__
    latest: dict[str, Any] = {}
    for row in await session.execute(
        select(
            appraisals.c.person_id,
            appraisals.c.performance_outcome,
            appraisals.c.behaviour_outcome,
            appraisals.c.aspirations,
            appraisals.c.reopened_at,
        )
        .where(appraisals.c.person_id.in_(ids))
        .ext(distinct_on(appraisals.c.person_id))
        .order_by(appraisals.c.person_id, appraisals.c.completed_at.desc())
    ):
        if row.reopened_at is None:  # a reopened appraisal is no evidence
            latest[row.person_id] = row
    eligible: dict[str, set[str]] = defaultdict(set)
    table = ProfileEligibility.__table__
    for row in await session.execute(
        select(table.c.person_id, table.c.level).where(
            table.c.person_id.in_(ids), table.c.eligible.is_(True)
        )
    ):
        eligible[row.person_id].add(row.level)
    outcomes = await conversation_service.latest_outcomes(session, ids)
    facts = []
    for row in rows:
        appraisal = latest.get(row.person_id)
        facts.append(
            PersonFacts(
                person_id=row.person_id,
                org_code=row.org_code,
                band=row.band,
                staff_group=row.staff_group,
                performance_outcome=appraisal.performance_outcome if appraisal else None,
                behaviour_outcome=appraisal.behaviour_outcome if appraisal else None,
                aspiration_target_level=(
                    (appraisal.aspirations or {}).get("target_level") if appraisal else None
                ),
                eligible_levels=frozenset(eligible.get(row.person_id, ())),
                conversation_outcomes=frozenset(outcomes.get(row.person_id, ())),
            )
        )
    return facts


async def propose(
    session: AsyncSession,
    *,
    pool: TalentPool,
    visible_orgs: frozenset[str] | None,
    proposed_by: str,
) -> tuple[int, int, int]:
    """Run the pool's rules over the people in its scope and the caller's reach; propose the
    ones who match and are not members yet. Returns (considered, proposed, already members)."""
    people = Person.__table__
    stmt = select(people.c.person_id, people.c.org_code, people.c.band, people.c.staff_group).where(
        people.c.status == "active"
    )
    covered = scope_organisations(PoolScope(pool.scope), pool.scope_code)
    if covered is not None:
        stmt = stmt.where(people.c.org_code.in_(covered))
    if visible_orgs is not None:
        stmt = stmt.where(people.c.org_code.in_(visible_orgs))
    facts = await _facts(session, stmt)
    matched = [(f, m) for f in facts if (m := domain.matches(pool.rules, f)).matched]
    if not matched:
        return len(facts), 0, 0
    existing = set(
        (
            await session.scalars(
                select(PoolMembership.person_id).where(
                    PoolMembership.pool_id == pool.id,
                    PoolMembership.person_id.in_([f.person_id for f, _ in matched]),
                )
            )
        ).all()
    )
    fresh = [(f, m) for f, m in matched if f.person_id not in existing]
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "pool_id": pool.id,
            "person_id": f.person_id,
            "org_code": f.org_code,
            "status": MembershipStatus.PROPOSED.value,
            "proposal": {"rules_met": m.met, "proposed_at": now.isoformat()},
            "version": 1,
        }
        for f, m in fresh
    ]
    if rows:
        inserted = (
            await session.scalars(
                pg_insert(PoolMembership)
                .values(rows)
                .on_conflict_do_nothing(constraint="uq_pool_memberships_pool_person")
                .returning(PoolMembership.id)
            )
        ).all()
        if inserted:
            await session.execute(
                pg_insert(PoolMembershipChange),
                [
                    {
                        "id": uuid.uuid4(),
                        "membership_id": membership_id,
                        "from_status": None,
                        "to_status": MembershipStatus.PROPOSED.value,
                        "changed_by": proposed_by[:200],
                        "reason": "proposed by the pool's rules",
                    }
                    for membership_id in inserted
                ],
            )
        return len(facts), len(inserted), len(existing) + len(rows) - len(inserted)
    return len(facts), 0, len(existing)


async def list_members(
    session: AsyncSession,
    *,
    pool_id: uuid.UUID,
    visible_orgs: frozenset[str] | None,
    status: MembershipStatus | None,
    page: PageParams,
) -> Sequence[PoolMembership]:
    stmt = select(PoolMembership).where(PoolMembership.pool_id == pool_id)
    if visible_orgs is not None:
        stmt = stmt.where(PoolMembership.org_code.in_(visible_orgs))
    if status is not None:
        stmt = stmt.where(PoolMembership.status == status.value)
    stmt = paginate(
        stmt, sort_column=PoolMembership.person_id, id_column=PoolMembership.id, params=page
    )
    return (await session.scalars(stmt)).all()


async def get_membership(session: AsyncSession, membership_id: uuid.UUID) -> PoolMembership | None:
    return await session.get(PoolMembership, membership_id)


async def transition(
    session: AsyncSession,
    *,
    membership: PoolMembership,
    expected_version: int,
    target: MembershipStatus,
    reason: str | None,
    decided_by: str,
) -> PoolMembership | None:
    current = MembershipStatus(membership.status)
    domain.check_transition(current, target, reason)
    result = await session.execute(
        update(PoolMembership)
        .where(PoolMembership.id == membership.id, PoolMembership.version == expected_version)
        .values(
            status=target.value,
            decided_by=decided_by[:200],
            decision_reason=reason,
            version=PoolMembership.version + 1,
            updated_at=datetime.now(UTC),
        )
        .returning(PoolMembership)
        .execution_options(populate_existing=True)
    )
    updated = result.scalar_one_or_none()
    if updated is None:
        return None
    session.add(
        PoolMembershipChange(
            id=uuid.uuid4(),
            membership_id=membership.id,
            from_status=current.value,
            to_status=target.value,
            changed_by=decided_by[:200],
            reason=reason,
        )
    )
    await session.flush()
    return updated


async def history(
    session: AsyncSession, *, membership_id: uuid.UUID, page: PageParams
) -> Sequence[PoolMembershipChange]:
    stmt = paginate(
        select(PoolMembershipChange).where(PoolMembershipChange.membership_id == membership_id),
        sort_column=PoolMembershipChange.changed_at,
        id_column=PoolMembershipChange.id,
        params=page,
    )
    return (await session.scalars(stmt)).all()
