import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.app import DatabaseDep, SessionDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, check_version, make_etag, set_etag
from shared.http.idempotency import run_idempotent
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import Conflict, Forbidden, NotFound, invalid_input
from talent.people import service as people_service
from talent.succession import service as succession_service
from talent.succession.models import CriticalPost, SuccessionCandidate, SuccessionPlan
from talent.succession.schemas import (
    ORG_CODE_PATTERN,
    CandidateCreate,
    CandidatePatch,
    CandidateRead,
    CriticalPostCreate,
    CriticalPostPatch,
    CriticalPostRead,
    GapAnalysisRead,
    GapRead,
    OverrideSet,
    ReadinessPolicyRead,
    RecomputeRead,
    SuccessionPlanCreate,
    SuccessionPlanRead,
    candidate_read,
    plan_read,
)

router = APIRouter(tags=["succession"])

TalentReader = Annotated[Principal, Depends(require_scopes("talent:read"))]
TalentWriter = Annotated[Principal, Depends(require_scopes("talent:write"))]
OrgFilter = Annotated[str | None, Query(pattern=ORG_CODE_PATTERN, examples=["RR8"])]


def _visible_org(principal: Principal, org_code: str | None) -> str | None:
    wanted = org_code.upper() if org_code is not None else None
    if wanted is not None and not principal.can_see_org(wanted):
        raise Forbidden(f"This token does not reach organisation {wanted}")
    return wanted


async def _post(session: AsyncSession, principal: Principal, post_id: uuid.UUID) -> CriticalPost:
    post = await succession_service.get_post(session, post_id)
    if post is None:
        raise NotFound(f"No critical post {post_id}")
    if not principal.can_see_org(post.org_code):
        raise Forbidden(f"This token does not reach the organisation of critical post {post_id}")
    return post


async def _plan(session: AsyncSession, principal: Principal, plan_id: uuid.UUID) -> SuccessionPlan:
    plan = await succession_service.get_plan(session, plan_id)
    if plan is None:
        raise NotFound(f"No succession plan {plan_id}")
    if not principal.can_see_org(plan.org_code):
        raise Forbidden(f"This token does not reach the organisation of succession plan {plan_id}")
    return plan


async def _candidate(
    session: AsyncSession, principal: Principal, candidate_id: uuid.UUID
) -> SuccessionCandidate:
    candidate = await succession_service.get_candidate(session, candidate_id)
    if candidate is None:
        raise NotFound(f"No succession candidate {candidate_id}")
    if not principal.can_see_org(candidate.org_code):
        raise Forbidden(
            f"This token does not reach the organisation of succession candidate {candidate_id}"
        )
    return candidate


# ---- critical posts --------------------------------------------------------------------------


@router.post(
    "/v1/critical-posts",
    status_code=201,
    response_model=CriticalPostRead,
    summary="Name a critical post (Idempotency-Key accepted)",
)
async def create_critical_post(
    body: CriticalPostCreate, request: Request, principal: TalentWriter, db: DatabaseDep
) -> Response:
    principal.require_org(body.org_code)

    async def create(session: AsyncSession) -> tuple[int, Any, dict[str, str]]:
        post = await succession_service.create_post(session, **body.model_dump())
        return (
            201,
            CriticalPostRead.model_validate(post),
            {"Location": f"/v1/critical-posts/{post.id}", "ETag": _etag(post.id, post.version)},
        )

    return await run_idempotent(db, request, principal, create)


def _etag(resource_id: Any, version: int) -> str:
    return make_etag(str(resource_id), version)


@router.get(
    "/v1/critical-posts",
    response_model=Page[CriticalPostRead],
    summary="Critical posts in the token's reach",
)
async def list_critical_posts(
    principal: TalentReader, session: SessionDep, page: PageQuery, org_code: OrgFilter = None
) -> Page[CriticalPostRead]:
    posts = await succession_service.list_posts(
        session,
        visible_orgs=principal.reach_filter(),
        org_code=_visible_org(principal, org_code),
        page=page,
    )
    return make_page(
        posts, page, key_fn=lambda p: (p.org_code, p.id), item=CriticalPostRead.model_validate
    )


@router.get(
    "/v1/critical-posts/{post_id}", response_model=CriticalPostRead, summary="One critical post"
)
async def get_critical_post(
    post_id: uuid.UUID, principal: TalentReader, session: SessionDep, response: Response
) -> CriticalPostRead:
    post = await _post(session, principal, post_id)
    set_etag(response, str(post.id), post.version)
    return CriticalPostRead.model_validate(post)


@router.patch(
    "/v1/critical-posts/{post_id}",
    response_model=CriticalPostRead,
    summary="Change a critical post (If-Match)",
)
async def update_critical_post(
    post_id: uuid.UUID,
    body: CriticalPostPatch,
    principal: TalentWriter,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader,
) -> CriticalPostRead:
    post = await _post(session, principal, post_id)
    expected = if_match.version_for(str(post.id))
    check_version(post.version, expected)
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name in {"role_title", "risk_of_loss", "impact_of_loss"}:
            raise invalid_input(f"body.{name}", "may be changed but not removed")
    updated = await succession_service.update_post(
        session, post_id=post.id, expected_version=expected, changes=changes
    )
    if updated is None:
        await session.rollback()
        raise Conflict("The critical post changed meanwhile; read it again")
    await session.commit()
    set_etag(response, str(updated.id), updated.version)
    return CriticalPostRead.model_validate(updated)


# ---- plans -----------------------------------------------------------------------------------


@router.post(
    "/v1/succession-plans",
    status_code=201,
    response_model=SuccessionPlanRead,
    summary="Start the succession plan of a critical post (Idempotency-Key accepted)",
)
async def create_succession_plan(
    body: SuccessionPlanCreate, request: Request, principal: TalentWriter, db: DatabaseDep
) -> Response:
    async with db.session() as session:
        await _post(session, principal, body.post_id)

    async def create(session: AsyncSession) -> tuple[int, Any, dict[str, str]]:
        post = await succession_service.get_post(session, body.post_id)
        if post is None:
            raise NotFound(f"No critical post {body.post_id}")
        if await succession_service.plan_for_post(session, post.id) is not None:
            raise Conflict(f"Critical post {post.id} already has a succession plan")
        plan = await succession_service.create_plan(session, post)
        return (
            201,
            plan_read(plan),
            {
                "Location": f"/v1/succession-plans/{plan.id}",
                "ETag": _etag(plan.id, plan.version),
            },
        )

    try:
        return await run_idempotent(db, request, principal, create)
    except IntegrityError:
        raise Conflict(f"Critical post {body.post_id} already has a succession plan") from None


@router.get(
    "/v1/succession-plans",
    response_model=Page[SuccessionPlanRead],
    summary="Succession plans in the token's reach, with bench strength and risks",
)
async def list_succession_plans(
    principal: TalentReader, session: SessionDep, page: PageQuery, org_code: OrgFilter = None
) -> Page[SuccessionPlanRead]:
    plans = await succession_service.list_plans(
        session,
        visible_orgs=principal.reach_filter(),
        org_code=_visible_org(principal, org_code),
        page=page,
    )
    return make_page(plans, page, key_fn=lambda p: (p.org_code, p.id), item=plan_read)


@router.get(
    "/v1/succession-plans/{plan_id}",
    response_model=SuccessionPlanRead,
    summary="One succession plan: bench strength (ready now, 1-2 years, ...) and risks",
)
async def get_succession_plan(
    plan_id: uuid.UUID, principal: TalentReader, session: SessionDep, response: Response
) -> SuccessionPlanRead:
    plan = await _plan(session, principal, plan_id)
    set_etag(response, str(plan.id), plan.version)
    return plan_read(plan)


@router.post(
    "/v1/succession-plans/{plan_id}/recompute",
    response_model=RecomputeRead,
    summary="Judge every candidate of the plan again (e.g. after overrides expired)",
)
async def recompute_succession_plan(
    plan_id: uuid.UUID, principal: TalentWriter, session: SessionDep
) -> RecomputeRead:
    plan = await _plan(session, principal, plan_id)
    report = await succession_service.recompute_plan(session, plan)
    await session.commit()
    return RecomputeRead(
        candidates=report.candidates,
        changed=report.changed,
        readiness_changed=report.readiness_changed,
        plans_updated=report.plans_updated,
    )


# ---- candidates ------------------------------------------------------------------------------


@router.post(
    "/v1/succession-plans/{plan_id}/candidates",
    status_code=201,
    response_model=CandidateRead,
    summary="Name a successor; readiness is judged at once (Idempotency-Key accepted)",
)
async def add_succession_candidate(
    plan_id: uuid.UUID,
    body: CandidateCreate,
    request: Request,
    principal: TalentWriter,
    db: DatabaseDep,
) -> Response:
    async with db.session() as session:
        await _plan(session, principal, plan_id)
        person = await people_service.get_person(session=session, person_id=body.person_id)
        if person is None:
            raise invalid_input("body.person_id", "is not in the people directory")
        if not principal.can_see_org(person.org_code):
            raise Forbidden(
                f"This token does not reach the organisation of person {body.person_id}"
            )

    async def add(session: AsyncSession) -> tuple[int, Any, dict[str, str]]:
        plan = await succession_service.get_plan(session, plan_id)
        post = await succession_service.get_post(session, plan.post_id) if plan else None
        if plan is None or post is None:
            raise NotFound(f"No succession plan {plan_id}")
        candidate = await succession_service.add_candidate(
            session,
            plan=plan,
            post=post,
            person_id=body.person_id,
            rank=body.rank,
            emergency_cover=body.emergency_cover,
        )
        return (
            201,
            candidate_read(candidate, now=datetime.now(UTC)),
            {
                "Location": f"/v1/succession-candidates/{candidate.id}",
                "ETag": _etag(candidate.id, candidate.version),
            },
        )

    try:
        return await run_idempotent(db, request, principal, add)
    except IntegrityError:
        raise Conflict(f"Person {body.person_id} is already a candidate in this plan") from None


@router.get(
    "/v1/succession-plans/{plan_id}/candidates",
    response_model=Page[CandidateRead],
    summary="The plan's candidates in rank order, each with readiness and its explanation",
)
async def list_succession_candidates(
    plan_id: uuid.UUID, principal: TalentReader, session: SessionDep, page: PageQuery
) -> Page[CandidateRead]:
    await _plan(session, principal, plan_id)
    candidates = await succession_service.list_candidates(session, plan_id=plan_id, page=page)
    now = datetime.now(UTC)
    return make_page(
        candidates,
        page,
        key_fn=lambda c: (c.rank, c.id),
        item=lambda c: candidate_read(c, now=now),
    )


@router.get(
    "/v1/succession-candidates/{candidate_id}",
    response_model=CandidateRead,
    summary="One candidate: readiness, each rule met or unmet with its evidence, override",
)
async def get_succession_candidate(
    candidate_id: uuid.UUID, principal: TalentReader, session: SessionDep, response: Response
) -> CandidateRead:
    candidate = await _candidate(session, principal, candidate_id)
    set_etag(response, str(candidate.id), candidate.version)
    return candidate_read(candidate, now=datetime.now(UTC))


async def _change_candidate(
    session: AsyncSession,
    principal: Principal,
    candidate_id: uuid.UUID,
    if_match: Any,
    changes: dict[str, Any],
    response: Response,
) -> CandidateRead:
    candidate = await _candidate(session, principal, candidate_id)
    expected = if_match.version_for(str(candidate.id))
    check_version(candidate.version, expected)
    updated = await succession_service.update_candidate(
        session, candidate_id=candidate.id, expected_version=expected, changes=changes
    )
    if updated is None:
        await session.rollback()
        current = await succession_service.get_candidate(session, candidate_id)
        if current is None:
            raise NotFound(f"No succession candidate {candidate_id}")
        check_version(current.version, expected)
        raise Conflict("The candidate changed meanwhile; read it again")
    await session.commit()
    set_etag(response, str(updated.id), updated.version)
    return candidate_read(updated, now=datetime.now(UTC))


@router.patch(
    "/v1/succession-candidates/{candidate_id}",
    response_model=CandidateRead,
    summary="Re-rank a candidate or flag them as emergency cover (If-Match)",
)
async def update_succession_candidate(
    candidate_id: uuid.UUID,
    body: CandidatePatch,
    principal: TalentWriter,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader,
) -> CandidateRead:
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    return await _change_candidate(session, principal, candidate_id, if_match, changes, response)


@router.put(
    "/v1/succession-candidates/{candidate_id}/override",
    response_model=CandidateRead,
    summary="Override the computed readiness, with a reason and an expiry (If-Match)",
)
async def override_candidate_readiness(
    candidate_id: uuid.UUID,
    body: OverrideSet,
    principal: TalentWriter,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader,
) -> CandidateRead:
    changes = {
        "override_readiness": body.readiness.value,
        "override_reason": body.reason,
        "override_expires_at": body.expires_at,
        "override_by": principal.subject[:200],
    }
    return await _change_candidate(session, principal, candidate_id, if_match, changes, response)


@router.delete(
    "/v1/succession-candidates/{candidate_id}/override",
    response_model=CandidateRead,
    summary="Withdraw an override: the computed readiness applies again (If-Match)",
)
async def clear_candidate_override(
    candidate_id: uuid.UUID,
    principal: TalentWriter,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader,
) -> CandidateRead:
    changes = {
        "override_readiness": None,
        "override_reason": None,
        "override_expires_at": None,
        "override_by": None,
    }
    return await _change_candidate(session, principal, candidate_id, if_match, changes, response)


@router.delete(
    "/v1/succession-candidates/{candidate_id}",
    status_code=204,
    summary="Remove a candidate from their plan (If-Match)",
)
async def remove_succession_candidate(
    candidate_id: uuid.UUID, principal: TalentWriter, session: SessionDep, if_match: IfMatchHeader
) -> Response:
    candidate = await _candidate(session, principal, candidate_id)
    expected = if_match.version_for(str(candidate.id))
    check_version(candidate.version, expected)
    if not await succession_service.remove_candidate(
        session, candidate=candidate, expected_version=expected
    ):
        await session.rollback()
        raise Conflict("The candidate changed meanwhile; read it again")
    await session.commit()
    return Response(status_code=204)


@router.get(
    "/v1/succession-candidates/{candidate_id}/gaps",
    response_model=GapAnalysisRead,
    summary="What the candidate still lacks for the post's level, and what closes it",
)
async def get_candidate_gaps(
    candidate_id: uuid.UUID, principal: TalentReader, session: SessionDep
) -> GapAnalysisRead:
    candidate = await _candidate(session, principal, candidate_id)
    view = await succession_service.gap_analysis(session, candidate)
    programmes = sorted({p for gap in view.gaps for p in gap.programmes})
    return GapAnalysisRead(
        candidate_id=candidate.id,
        level=candidate.level,
        eligibility_announced=view.announced,
        eligible=view.eligible,
        missing_requirements=[
            GapRead(
                requirement_id=g.requirement_id,
                standards=list(g.standards),
                programmes=list(g.programmes),
            )
            for g in view.gaps
        ],
        programmes=programmes,
        unmet_rules=view.unmet_rules,
        as_of=view.as_of,
    )


# ---- readiness policies (national reference data) --------------------------------------------

PolicyVersion = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,20}$", examples=["2026.1"])]


@router.get(
    "/v1/readiness-policies",
    response_model=Page[ReadinessPolicyRead],
    summary="Every version of the readiness policy (national, the same for all organisations)",
)
async def list_readiness_policies(
    principal: TalentReader, session: SessionDep, page: PageQuery
) -> Page[ReadinessPolicyRead]:
    policies = await succession_service.list_policies(session, page=page)
    return make_page(
        policies,
        page,
        key_fn=lambda p: (p.version, p.version),
        item=ReadinessPolicyRead.model_validate,
    )


@router.get(
    "/v1/readiness-policies/{version}",
    response_model=ReadinessPolicyRead,
    summary="One version of the readiness policy: its rules and bands",
)
async def get_readiness_policy(
    version: PolicyVersion, principal: TalentReader, session: SessionDep
) -> ReadinessPolicyRead:
    policy = await succession_service.get_policy(session, version)
    if policy is None:
        raise NotFound(f"No readiness policy {version}")
    return ReadinessPolicyRead.model_validate(policy)
