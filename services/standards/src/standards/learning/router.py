import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.app import DatabaseDep, SessionDep
from shared.http.etag import make_etag, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, OperationResult, run_idempotent
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import Forbidden, NotFound
from standards.auth import StandardsReader, StandardsWriter
from standards.identifiers import PERSON_ID_PATTERN
from standards.learning import service as learning_service
from standards.learning.schemas import CompletionCreate, CredentialRead, LearnerRecordRead
from standards.outbox import request_publisher
from standards.settings import StandardsSettingsDep

router = APIRouter(prefix="/v1/learners", tags=["learners"])

PersonIdPath = Annotated[
    str,
    Path(pattern=PERSON_ID_PATTERN, description="The employer's person number (e.g. ESR)"),
]


@router.post("/{person_id}/completions", status_code=201, response_model=LearnerRecordRead)
async def record_completion(
    person_id: PersonIdPath,
    body: CompletionCreate,
    request: Request,
    principal: StandardsWriter,
    db: DatabaseDep,
    settings: StandardsSettingsDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Record that a person completed a programme.

    When the delivering provider held an accreditation for the programme on the completion's
    date, the record is accredited and a credential is awarded. Publishes
    `training.completed`, and `training.accredited` with the credential.
    """
    clock_skew = timedelta(seconds=settings.completion_clock_skew_seconds)

    async def record(session: AsyncSession) -> OperationResult:
        now = datetime.now(UTC)
        learner_record = await learning_service.record_completion(
            session=session,
            publish=request_publisher(session, request),
            principal=principal,
            person_id=person_id,
            completion=body,
            clock_skew=clock_skew,
            now=now,
        )
        headers = {
            "Location": f"/v1/learners/{person_id}/records/{learner_record.id}",
            "ETag": make_etag(learner_record.id, learner_record.version),
        }
        return 201, LearnerRecordRead.of(learner_record, now=now), headers

    return await run_idempotent(db, request, principal, record, key=idempotency_key)


@router.get("/{person_id}/records", response_model=Page[LearnerRecordRead])
async def list_learner_records(
    person_id: PersonIdPath, page: PageQuery, principal: StandardsReader, session: SessionDep
) -> Page[LearnerRecordRead]:
    """The person's learner records within the token's reach, newest completion first."""
    rows = await learning_service.list_records(
        session=session, person_id=person_id, reach=principal.reach_filter(), page=page
    )
    now = datetime.now(UTC)
    return make_page(
        rows,
        page,
        key_fn=lambda r: (r.completed_at, r.id),
        item=lambda r: LearnerRecordRead.of(r, now=now),
    )


@router.get("/{person_id}/records/{record_id}", response_model=LearnerRecordRead)
async def get_learner_record(
    person_id: PersonIdPath,
    record_id: uuid.UUID,
    principal: StandardsReader,
    session: SessionDep,
    response: Response,
) -> LearnerRecordRead:
    learner_record = await learning_service.get_record(
        session=session, person_id=person_id, record_id=record_id
    )
    if learner_record is None:
        raise NotFound(f"{person_id} has no learner record {record_id}")
    if not principal.can_see_org(learner_record.org_code):
        # Not naming the organisation: where someone works is not for a foreign token to learn.
        raise Forbidden(f"This token does not reach the organisation of record {record_id}")
    set_etag(response, learner_record.id, learner_record.version)
    return LearnerRecordRead.of(learner_record, now=datetime.now(UTC))


@router.get("/{person_id}/credentials", response_model=Page[CredentialRead])
async def list_credentials(
    person_id: PersonIdPath, page: PageQuery, principal: StandardsReader, session: SessionDep
) -> Page[CredentialRead]:
    """The person's credentials within the token's reach, most recently awarded first."""
    rows = await learning_service.list_credentials(
        session=session, person_id=person_id, reach=principal.reach_filter(), page=page
    )
    now = datetime.now(UTC)
    return make_page(
        rows,
        page,
        key_fn=lambda c: (c.awarded_at, c.id),
        item=lambda c: CredentialRead.of(c, now=now),
    )
