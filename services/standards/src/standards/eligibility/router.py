from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from shared.app import DatabaseDep, SessionDep
from shared.events.outbox import add_many_to_outbox
from shared.http.idempotency import IdempotencyKeyHeader, OperationResult, run_idempotent
from shared.http.problems import Conflict, Forbidden, NotFound, invalid_input
from shared.uow import UnitOfWork
from standards.auth import StandardsAdmin, StandardsReader
from standards.eligibility import domain
from standards.eligibility import service as eligibility_service
from standards.eligibility.schemas import (
    POLICY_VERSION_PATTERN,
    EligibilityBatch,
    EligibilityBatchRequest,
    EligibilityRead,
    PolicyCreate,
    PolicyRead,
    RedeterminationReport,
    RequirementSpec,
)
from standards.identifiers import PERSON_ID_PATTERN
from standards.programmes.domain import Level
from standards.settings import StandardsSettingsDep

router = APIRouter(tags=["eligibility"])

_REDETERMINE_SLICE = 5_000

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


async def _redetermine_everyone(
    session: Any, request: Request, policy: domain.Policy | None = None
) -> tuple[int, int, str]:
    now = datetime.now(UTC)
    policy = policy or await eligibility_service.current_policy(session)
    people = await eligibility_service.people_with_credentials_or_answers(session)
    published = 0
    # A slice of people at a time: memory stays bounded however many hold credentials.
    for start in range(0, len(people), _REDETERMINE_SLICE):
        changes = await eligibility_service.redetermine(
            session=session,
            person_ids=people[start : start + _REDETERMINE_SLICE],
            as_of=now,
            policy=policy,
        )
        published += len(
            await add_many_to_outbox(
                session,
                changes,
                service_name=request.app.state.settings.service_name,
                traceparent=request.headers.get("traceparent"),
            )
        )
    return len(people), published, policy.version


@router.post("/v1/eligibility/policies", status_code=201, response_model=PolicyRead)
async def publish_policy(
    body: PolicyCreate,
    request: Request,
    principal: StandardsAdmin,
    db: DatabaseDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Publish a new policy version; it is in force at once, and everyone's answers are
    re-determined under it (``eligibility.changed`` for each answer that flips)."""

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
        policy = domain.Policy(version=row.version, requirements=tuple(requirements))
        await _redetermine_everyone(session, request, policy)
        headers = {"Location": f"/v1/eligibility/policies/{row.version}"}
        return 201, _policy_read(row), headers

    return await run_idempotent(db, request, principal, publish, key=idempotency_key)


@router.post("/v1/eligibility:redetermine", response_model=RedeterminationReport)
async def redetermine_everyone(
    request: Request, principal: StandardsAdmin, db: DatabaseDep, settings: StandardsSettingsDep
) -> RedeterminationReport:
    """Re-determine everyone's answers now: run daily (a scheduler's job) so that credentials
    passing their expiry date publish their ``eligibility.changed``."""
    async with UnitOfWork(
        db, service_name=settings.service_name, traceparent=request.headers.get("traceparent")
    ) as uow:
        people, changes, version = await _redetermine_everyone(uow.session, request)
        await uow.commit()
    return RedeterminationReport(people=people, changes_published=changes, policy_version=version)
