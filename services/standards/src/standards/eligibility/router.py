import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from shared.app import DatabaseDep, SessionDep, UnitOfWorkDep
from shared.http.idempotency import IdempotencyKeyHeader, OperationResult, run_idempotent
from shared.http.problems import Conflict, Forbidden, NotFound, invalid_input
from standards.auth import StandardsAdmin, StandardsReader
from standards.eligibility import domain
from standards.eligibility import service as eligibility_service
from standards.eligibility.schemas import (
    POLICY_VERSION_PATTERN,
    EligibilityBatch,
    EligibilityBatchRequest,
    EligibilityJobRead,
    EligibilityRead,
    PolicyCreate,
    PolicyPublished,
    PolicyRead,
    RequirementSpec,
)
from standards.identifiers import PERSON_ID_PATTERN
from standards.programmes.domain import Level

router = APIRouter(tags=["eligibility"])

PersonIdPath = Annotated[
    str, Path(pattern=PERSON_ID_PATTERN, description="The employer's person number (e.g. ESR)")
]


@router.get("/v1/people/{person_id}/eligibility", response_model=EligibilityRead)
async def get_eligibility(
    person_id: PersonIdPath,
    level: Annotated[Level, Query(description="The level the person would move into")],
    principal: StandardsReader,
    session: SessionDep,
) -> EligibilityRead:
    """Whether the person meets what ``level`` requires: every requirement, met or not, with
    the credentials that meet it, what is missing and the programmes that would close the gap."""
    answers = await eligibility_service.determine(
        session=session, person_ids=[person_id], level=level, as_of=datetime.now(UTC)
    )
    answer = answers[person_id]
    if not principal.is_national and (
        answer.org_code is None or not principal.can_see_org(answer.org_code)
    ):
        # The same refusal whether the person is unknown or elsewhere: nothing is disclosed.
        raise Forbidden(f"This token does not reach the organisation of {person_id}")
    return EligibilityRead.of(answer.determination)


@router.post("/v1/eligibility:batch", response_model=EligibilityBatch)
async def get_eligibility_batch(
    body: EligibilityBatchRequest, principal: StandardsReader, session: SessionDep
) -> EligibilityBatch:
    """The same answer for many people at once (at most 500), for one level. Reads only."""
    answers = await eligibility_service.determine(
        session=session, person_ids=body.person_ids, level=body.level, as_of=datetime.now(UTC)
    )
    items: list[EligibilityRead] = []
    refused: list[str] = []
    for person_id, answer in answers.items():
        visible = principal.is_national or (
            answer.org_code is not None and principal.can_see_org(answer.org_code)
        )
        if visible:
            items.append(EligibilityRead.of(answer.determination))
        else:
            refused.append(person_id)
    return EligibilityBatch(items=items, refused=refused)


def _policy_read(row: Any) -> PolicyRead:
    return PolicyRead(
        version=row.version,
        published_at=row.published_at,
        requirements=[
            RequirementSpec.of(domain.Requirement.from_data(item)) for item in row.requirements
        ],
    )


@router.get("/v1/eligibility/policies/current", response_model=PolicyRead)
async def get_current_policy(principal: StandardsReader, session: SessionDep) -> PolicyRead:
    """The policy in force: what each level requires (national reference data)."""
    policy = await eligibility_service.current_policy(session)
    row = await eligibility_service.get_policy(session, policy.version)
    return _policy_read(row)


@router.get("/v1/eligibility/policies/{version}", response_model=PolicyRead)
async def get_policy(
    version: Annotated[str, Path(pattern=POLICY_VERSION_PATTERN)],
    principal: StandardsReader,
    session: SessionDep,
) -> PolicyRead:
    row = await eligibility_service.get_policy(session, version)
    if row is None:
        raise NotFound(f"No eligibility policy {version}")
    return _policy_read(row)


@router.post("/v1/eligibility/policies", status_code=201, response_model=PolicyPublished)
async def publish_policy(
    body: PolicyCreate,
    request: Request,
    principal: StandardsAdmin,
    db: DatabaseDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Publish a new policy version; it is in force at once for every answer asked for, and a
    background job re-determines everyone's stored answers under it (``eligibility.changed``
    for each answer that flips), its progress at ``GET /v1/eligibility/jobs/{id}``."""

    async def publish(session: Any) -> OperationResult:
        if await eligibility_service.get_policy(session, body.version) is not None:
            raise Conflict(f"Policy {body.version} is already published; versions never change")
        requirements = [spec.to_domain() for spec in body.requirements]
        try:
            row = await eligibility_service.publish_policy(
                session=session,
                version=body.version,
                requirements=requirements,
                published_by=principal.subject,
                now=datetime.now(UTC),
            )
        except domain.InvalidPolicy as exc:
            raise invalid_input("body.requirements", str(exc)) from exc
        job = await eligibility_service.request_redetermination(
            session,
            reason="policy",
            policy_version=row.version,
            requested_by=principal.subject,
            now=row.published_at,
        )
        published = PolicyPublished(
            **_policy_read(row).model_dump(), redetermination_job=EligibilityJobRead.of(job)
        )
        headers = {"Location": f"/v1/eligibility/policies/{row.version}"}
        return 201, published, headers

    return await run_idempotent(db, request, principal, publish, key=idempotency_key)


@router.post("/v1/eligibility:redetermine", status_code=202, response_model=EligibilityJobRead)
async def redetermine_everyone(
    principal: StandardsAdmin, uow: UnitOfWorkDep, response: Response
) -> EligibilityJobRead:
    """Queue a redetermination of everyone's answers under the policy in force; the worker runs
    it in slices (``eligibility.changed`` for each answer that flips). Expired credentials need
    no request: the worker's expiry sweep re-determines their holders on its own."""
    policy = await eligibility_service.current_policy(uow.session)
    job = await eligibility_service.request_redetermination(
        uow.session,
        reason="requested",
        policy_version=policy.version,
        requested_by=principal.subject,
        now=datetime.now(UTC),
    )
    await uow.commit()
    response.headers["Location"] = f"/v1/eligibility/jobs/{job.id}"
    return EligibilityJobRead.of(job)


@router.get("/v1/eligibility/jobs/{job_id}", response_model=EligibilityJobRead)
async def get_redetermination_job(
    job_id: uuid.UUID, principal: StandardsAdmin, session: SessionDep
) -> EligibilityJobRead:
    """A redetermination job and its progress (counts only: nobody's answers)."""
    job = await eligibility_service.get_job(session, job_id)
    if job is None:
        raise NotFound(f"No eligibility job {job_id}")
    return EligibilityJobRead.of(job)
