import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.app import DatabaseDep, SessionDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, check_version, make_etag, set_etag
from shared.http.idempotency import run_idempotent
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import Conflict, Forbidden, NotFound, invalid_input
from talent.pools import service as pool_service
from talent.pools.domain import MembershipStatus, PoolScope, TransitionRefused
from talent.pools.models import PoolMembership, TalentPool
from talent.pools.schemas import (
    MembershipChangeRead,
    MembershipRead,
    MembershipTransition,
    PoolCreate,
    PoolRead,
    ProposalReport,
)

router = APIRouter(tags=["talent pools"])

TalentReader = Annotated[Principal, Depends(require_scopes("talent:read"))]
TalentWriter = Annotated[Principal, Depends(require_scopes("talent:write"))]


def _pool_owners(principal: Principal) -> frozenset[str] | None:
    """The scope codes of the pools a token sees: those it reaches, and for a token bound to
    an organisation also its ICS and region (their pools take in its people)."""
    visible = principal.reach_filter()
    if visible is None or principal.org is None:
        return visible
    return visible | pool_service.enclosing_scopes(principal.org)


def _reaches_pool(principal: Principal, pool: TalentPool) -> bool:
    # A national pool's definition is for everyone; its members are still shown by reach.
    owners = _pool_owners(principal)
    return pool.scope == PoolScope.NATIONAL or owners is None or pool.owner_code in owners


async def _pool(session: AsyncSession, principal: Principal, pool_id: uuid.UUID) -> TalentPool:
    pool = await pool_service.get_pool(session, pool_id)
    if pool is None:
        raise NotFound(f"No talent pool {pool_id}")
    if not _reaches_pool(principal, pool):
        raise Forbidden(f"This token does not reach the scope of talent pool {pool_id}")
    return pool


async def _membership(
    session: AsyncSession, principal: Principal, membership_id: uuid.UUID
) -> PoolMembership:
    membership = await pool_service.get_membership(session, membership_id)
    if membership is None:
        raise NotFound(f"No pool membership {membership_id}")
    if not principal.can_see_org(membership.org_code):
        raise Forbidden(
            f"This token does not reach the organisation of pool membership {membership_id}"
        )
    return membership


@router.post(
    "/v1/talent-pools",
    status_code=201,
    response_model=PoolRead,
    summary="Create a talent pool at organisation, ICS, region or national scope",
)
async def create_talent_pool(
    body: PoolCreate, request: Request, principal: TalentWriter, db: DatabaseDep
) -> Response:
    """Idempotency-Key accepted. A national pool needs a national token; the others a token
    reaching the organisation, ICB or region named."""
    try:
        pool_service.scope_organisations(body.scope, body.scope_code)
    except pool_service.UnknownScope as exc:
        raise invalid_input("body.scope_code", str(exc)) from None
    if body.scope is PoolScope.NATIONAL:
        if not principal.is_national:
            raise Forbidden("A national pool needs a national token")
    elif body.scope_code is not None:
        principal.require_org(body.scope_code)

    async def create(session: AsyncSession) -> tuple[int, Any, dict[str, str]]:
        pool = await pool_service.create_pool(
            session,
            name=body.name,
            scope=body.scope,
            scope_code=body.scope_code,
            rules=body.rules.model_dump(mode="json"),
            created_by=principal.subject,
        )
        return (
            201,
            PoolRead.model_validate(pool),
            {"Location": f"/v1/talent-pools/{pool.id}", "ETag": make_etag(str(pool.id), 1)},
        )

    return await run_idempotent(db, request, principal, create)


@router.get(
    "/v1/talent-pools", response_model=Page[PoolRead], summary="Talent pools in the token's reach"
)
async def list_talent_pools(
    principal: TalentReader, session: SessionDep, page: PageQuery
) -> Page[PoolRead]:
    pools = await pool_service.list_pools(session, visible_orgs=principal.reach_filter(), page=page)
    return make_page(
        pools, page, key_fn=lambda p: (p.created_at, p.id), item=PoolRead.model_validate
    )


@router.get("/v1/talent-pools/{pool_id}", response_model=PoolRead, summary="One talent pool")
async def get_talent_pool(
    pool_id: uuid.UUID, principal: TalentReader, session: SessionDep, response: Response
) -> PoolRead:
    pool = await _pool(session, principal, pool_id)
    set_etag(response, str(pool.id), pool.version)
    return PoolRead.model_validate(pool)


@router.post(
    "/v1/talent-pools/{pool_id}/proposals",
    response_model=ProposalReport,
    summary="Run the pool's rules: propose the people in scope who match and are not members",
)
async def propose_pool_members(
    pool_id: uuid.UUID, principal: TalentWriter, session: SessionDep
) -> ProposalReport:
    """Only people the token reaches are considered, so a trust's talent lead proposes from
    their own trust even into a regional pool. Repeating it proposes nobody twice."""
    pool = await _pool(session, principal, pool_id)
    considered, proposed, already = await pool_service.propose(
        session, pool=pool, visible_orgs=principal.reach_filter(), proposed_by=principal.subject
    )
    await session.commit()
    return ProposalReport(considered=considered, proposed=proposed, already_members=already)


@router.get(
    "/v1/talent-pools/{pool_id}/members",
    response_model=Page[MembershipRead],
    summary="The pool's members in the token's reach, with why each was proposed",
)
async def list_pool_members(
    pool_id: uuid.UUID,
    principal: TalentReader,
    session: SessionDep,
    page: PageQuery,
    status: MembershipStatus | None = None,
) -> Page[MembershipRead]:
    await _pool(session, principal, pool_id)
    members = await pool_service.list_members(
        session, pool_id=pool_id, visible_orgs=principal.reach_filter(), status=status, page=page
    )
    return make_page(
        members, page, key_fn=lambda m: (m.person_id, m.id), item=MembershipRead.model_validate
    )


@router.get(
    "/v1/pool-memberships/{membership_id}",
    response_model=MembershipRead,
    summary="One pool membership",
)
async def get_pool_membership(
    membership_id: uuid.UUID, principal: TalentReader, session: SessionDep, response: Response
) -> MembershipRead:
    membership = await _membership(session, principal, membership_id)
    set_etag(response, str(membership.id), membership.version)
    return MembershipRead.model_validate(membership)


@router.post(
    "/v1/pool-memberships/{membership_id}/transitions",
    response_model=MembershipRead,
    summary="Confirm or decline a proposal, pause or exit a member, with a reason (If-Match)",
)
async def change_pool_membership(
    membership_id: uuid.UUID,
    body: MembershipTransition,
    principal: TalentWriter,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader,
) -> MembershipRead:
    membership = await _membership(session, principal, membership_id)
    expected = if_match.version_for(str(membership.id))
    check_version(membership.version, expected)
    try:
        updated = await pool_service.transition(
            session,
            membership=membership,
            expected_version=expected,
            target=body.to,
            reason=body.reason,
            decided_by=principal.subject,
        )
    except TransitionRefused as exc:
        raise invalid_input("body.to", str(exc), type="transition_refused") from None
    if updated is None:
        await session.rollback()
        raise Conflict("The membership changed meanwhile; read it again")
    await session.commit()
    set_etag(response, str(updated.id), updated.version)
    return MembershipRead.model_validate(updated)


@router.get(
    "/v1/pool-memberships/{membership_id}/history",
    response_model=Page[MembershipChangeRead],
    summary="Every change of a membership: who, when, why",
)
async def pool_membership_history(
    membership_id: uuid.UUID, principal: TalentReader, session: SessionDep, page: PageQuery
) -> Page[MembershipChangeRead]:
    await _membership(session, principal, membership_id)
    changes = await pool_service.history(session, membership_id=membership_id, page=page)
    return make_page(
        changes,
        page,
        key_fn=lambda c: (c.changed_at, c.id),
        item=MembershipChangeRead.model_validate,
    )
