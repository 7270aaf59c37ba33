import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.app import DatabaseDep, SessionDep
from shared.http.etag import make_etag, set_etag
from shared.http.idempotency import (
    IdempotencyKeyHeader,
    OperationResult,
    is_idempotency_conflict,
    remember,
    render_body,
    replay,
    request_fingerprint,
    run_idempotent,
)
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import Conflict, Forbidden, NotFound
from shared.uow import UnitOfWork
from standards.auth import StandardsReader, StandardsWriter
from standards.identifiers import PERSON_ID_PATTERN
from standards.learning import extract
from standards.learning import service as learning_service
from standards.learning.schemas import (
    CompletionCreate,
    CompletionImportReport,
    CredentialRead,
    LearnerRecordRead,
)
from standards.outbox import request_publisher
from standards.settings import StandardsSettingsDep

router = APIRouter(prefix="/v1/learners", tags=["learners"])
imports_router = APIRouter(tags=["learners"])

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


_NDJSON_EXAMPLE = (
    '{"person_id":"10234567","programme_code":"NHS-EDI-MODULE",'
    '"completed_at":"2026-03-14T16:00:00Z","provider_id":"3f2b1c9e-8a4d-4e7b-9c1a-2d5e6f7a8b9c",'
    '"org_code":"RR8"}\n'
)
_CSV_EXAMPLE = (
    "person_id,programme_code,completed_at,provider_id,org_code\n"
    "10234567,NHS-EDI-MODULE,2026-03-14T16:00:00Z,3f2b1c9e-8a4d-4e7b-9c1a-2d5e6f7a8b9c,RR8\n"
)
_IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Completions from an HR or learning system: one JSON object per line, "
        "or CSV with a header row. Columns: person_id, programme_code, completed_at (RFC 3339 "
        "with offset), and optionally provider_id and org_code.",
        "content": {
            "application/x-ndjson": {"schema": {"type": "string"}, "example": _NDJSON_EXAMPLE},
            "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
        },
    }
}
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


async def _read_capped_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise extract.too_large(f"An import takes at most {limit} bytes; split the upload")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise extract.too_large(f"An import takes at most {limit} bytes; split the upload")
        chunks.append(chunk)
    return b"".join(chunks)


@imports_router.post(
    "/v1/completions:import",
    response_model=CompletionImportReport,
    summary="Record many completions at once (NDJSON or CSV)",
    openapi_extra=_IMPORT_BODY,
    responses={
        413: {"description": "More rows or bytes than one import takes", "content": _PROBLEM},
        415: {"description": "Neither NDJSON nor CSV", "content": _PROBLEM},
    },
)
async def import_completions(
    request: Request,
    principal: StandardsWriter,
    db: DatabaseDep,
    settings: StandardsSettingsDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Every row stands alone: good rows are stored (and their events published), every other
    row is listed with its line and reasons. One transaction; with an Idempotency-Key a repeat
    answers the first report and changes nothing."""
    upload_format = extract.format_for(request.headers.get("content-type"))
    body = await _read_capped_body(request, settings.completions_import_max_bytes)
    rows = extract.parse_upload(body, upload_format, max_rows=settings.completions_import_max_rows)
    fingerprint = await request_fingerprint(request, body=body) if idempotency_key else ""
    try:
        # The unit of work opens only now, so a slow upload never holds a pooled connection.
        async with UnitOfWork(
            db,
            service_name=settings.service_name,
            traceparent=request.headers.get("traceparent"),
        ) as uow:
            if idempotency_key:
                stored = await replay(
                    uow.session, principal=principal, key=idempotency_key, fingerprint=fingerprint
                )
                if stored is not None:
                    return stored
            report = await learning_service.import_completions(
                session=uow.session,
                publish_many=uow.publish_many,
                principal=principal,
                rows=rows,
                clock_skew=timedelta(seconds=settings.completion_clock_skew_seconds),
                now=datetime.now(UTC),
            )
            rendered = render_body(report)
            if idempotency_key:
                await remember(
                    uow.session,
                    principal=principal,
                    key=idempotency_key,
                    fingerprint=fingerprint,
                    status_code=200,
                    body=rendered,
                    headers={},
                )
            await uow.commit()
    except IntegrityError as exc:
        if idempotency_key and is_idempotency_conflict(exc):
            # A twin request with the same key committed first: answer with its response.
            async with db.session() as session:
                stored = await replay(
                    session, principal=principal, key=idempotency_key, fingerprint=fingerprint
                )
            if stored is not None:
                return stored
        raise Conflict(
            "Another import recorded some of the same completions at the same moment; send it again"
        ) from None
    return Response(rendered, media_type="application/json")
