from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.exc import IntegrityError

from shared.app import DatabaseDep, SessionDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import set_etag
from shared.http.idempotency import (
    IdempotencyKeyHeader,
    is_idempotency_conflict,
    remember,
    render_body,
    replay,
    request_fingerprint,
)
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import Conflict, Forbidden, NotFound
from shared.uow import UnitOfWork
from talent.people import extract
from talent.people import service as people_service
from talent.people.domain import PersonStatus
from talent.people.schemas import PERSON_ID_PATTERN, ImportReport, PersonRead
from talent.settings import Settings

router = APIRouter(prefix="/v1/people", tags=["people"])

TalentReader = Annotated[Principal, Depends(require_scopes("talent:read"))]
TalentWriter = Annotated[Principal, Depends(require_scopes("talent:write"))]
PersonIdPath = Annotated[str, Path(pattern=PERSON_ID_PATTERN, examples=["10234567"])]


def _talent_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


TalentSettingsDep = Annotated[Settings, Depends(_talent_settings)]

_NDJSON_EXAMPLE = (
    '{"person_id":"10234567","org_code":"RR8","job_title":"Ward Manager",'
    '"staff_group":"Nursing and Midwifery Registered","band":"7","line_manager_id":"10000001",'
    '"start_date":"2019-04-01","status":"active"}\n'
)
_CSV_EXAMPLE = (
    "person_id,org_code,job_title,staff_group,band,line_manager_id,start_date,status,left_on\n"
    "10234567,RR8,Ward Manager,Nursing and Midwifery Registered,7,10000001,2019-04-01,active,\n"
)
_IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "An ESR-shaped staff extract: one JSON object per line, or CSV with a "
        "header row. Columns: person_id, org_code, job_title, staff_group, band, "
        "line_manager_id, is_line_manager, start_date, status, left_on, "
        "professional_registration, and optionally ethnic_category, disability, sex.",
        "content": {
            "application/x-ndjson": {
                "schema": {"type": "string"},
                "example": _NDJSON_EXAMPLE,
            },
            "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
        },
    }
}
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


async def _read_capped_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise extract.too_large(f"An import takes at most {limit} bytes; split the extract")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise extract.too_large(f"An import takes at most {limit} bytes; split the extract")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    ":import",
    response_model=ImportReport,
    summary="Import an HR staff extract into the people directory",
    openapi_extra=_IMPORT_BODY,
    responses={
        413: {"description": "More rows or bytes than one import takes", "content": _PROBLEM},
        415: {"description": "Neither NDJSON nor CSV", "content": _PROBLEM},
    },
)
async def import_people(
    request: Request,
    principal: TalentWriter,
    db: DatabaseDep,
    settings: TalentSettingsDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Every row stands alone: valid rows in reach are applied, the others are listed with their
    line and reasons. The whole import is one transaction; a repeat changes and emits nothing.
    """
    extract_format = extract.format_for(request.headers.get("content-type"))
    body = await _read_capped_body(request, settings.people_import_max_bytes)
    records = extract.parse_extract(body, extract_format, max_rows=settings.people_import_max_rows)
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
            report = await people_service.import_people(
                uow=uow, records=records, reaches=principal.can_see_org
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
            "Another import added some of the same people at the same moment; send it again"
        ) from None
    return Response(rendered, media_type="application/json")


@router.get("", response_model=Page[PersonRead], summary="List people in the token's reach")
async def list_people(
    principal: TalentReader,
    session: SessionDep,
    page: PageQuery,
    org_code: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])] = None,
    status: PersonStatus | None = None,
) -> Page[PersonRead]:
    wanted = org_code.upper() if org_code is not None else None
    if wanted is not None and not principal.can_see_org(wanted):
        raise Forbidden(f"This token does not reach organisation {wanted}")
    people = await people_service.list_people(
        session=session,
        visible_orgs=principal.reach_filter(),
        org_code=wanted,
        status=status,
        page=page,
    )
    return make_page(
        people, page, key_fn=lambda p: (p.person_id, p.id), item=PersonRead.model_validate
    )


@router.get("/{person_id}", response_model=PersonRead, summary="One person in the directory")
async def get_person(
    person_id: PersonIdPath, principal: TalentReader, session: SessionDep, response: Response
) -> PersonRead:
    person = await people_service.get_person(session=session, person_id=person_id)
    if person is None:
        raise NotFound(f"No person {person_id} is in the directory")
    if not principal.can_see_org(person.org_code):
        # Not naming the organisation: where someone works is not for a foreign token to learn.
        raise Forbidden(f"This token does not reach the organisation of person {person_id}")
    set_etag(response, person.person_id, person.version)
    return PersonRead.model_validate(person)
