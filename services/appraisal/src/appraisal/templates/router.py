import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.templates import domain
from appraisal.templates import service as template_service
from appraisal.templates.schemas import (
    LocalQuestionCreate,
    LocalQuestionPatch,
    LocalQuestionRead,
    TemplateRead,
)
from shared.app import DatabaseDep, SessionDep, UnitOfWorkDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, make_etag, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, run_idempotent
from shared.http.pagination import Page, PageQuery, make_page

router = APIRouter(tags=["templates"])

Reader = Annotated[Principal, Depends(require_scopes("appraisal:read"))]
Admin = Annotated[Principal, Depends(require_scopes("appraisal:admin"))]
OrgCodePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])]
VersionPath = Annotated[
    str, Path(pattern=r"^[0-9]{4}\.[0-9]{1,3}$", examples=[domain.DEFAULT_TEMPLATE_VERSION])
]


@router.get("/v1/templates", response_model=Page[TemplateRead])
async def list_templates(principal: Reader) -> Page[TemplateRead]:
    """The national template versions, newest first (a handful: one page)."""
    templates = sorted(domain.NATIONAL_TEMPLATES.values(), key=lambda t: t.version, reverse=True)
    return Page[TemplateRead](
        items=[TemplateRead.from_template(t) for t in templates], next_cursor=None
    )


@router.get("/v1/templates/{version}", response_model=TemplateRead)
async def get_template(version: VersionPath, principal: Reader) -> TemplateRead:
    """One national template version: its staff and board variants and their sections."""
    return TemplateRead.from_template(template_service.get_template(version))


_ETAG_HEADER = {
    "ETag": {"description": "Strong ETag of the returned version", "schema": {"type": "string"}}
}
_THIS_QUESTION = {
    "path.org_code": "$response.body#/org_code",
    "path.question_id": "$response.body#/id",
}
_THIS_VERSION = {**_THIS_QUESTION, "header.If-Match": "$response.header.ETag"}
_RETURNS_QUESTION = {
    "headers": _ETAG_HEADER,
    "links": {
        "get_local_question": {"operationId": "get_local_question", "parameters": _THIS_QUESTION},
        "update_local_question": {
            "operationId": "update_local_question",
            "parameters": _THIS_VERSION,
        },
        "retire_local_question": {
            "operationId": "retire_local_question",
            "parameters": _THIS_VERSION,
        },
    },
}


@router.post(
    "/v1/organisations/{org_code}/local-questions",
    status_code=201,
    response_model=LocalQuestionRead,
    responses={201: _RETURNS_QUESTION},
)
async def add_local_question(
    org_code: OrgCodePath,
    question_in: LocalQuestionCreate,
    request: Request,
    principal: Admin,
    db: DatabaseDep,
    key: IdempotencyKeyHeader,
) -> Response:
    """Add a local question beside the national sections (which cannot be removed or reworded)."""
    org = org_code.upper()

    async def create(session: AsyncSession) -> tuple[int, Any, dict[str, str]]:
        question = await template_service.add_local_question(
            session=session, principal=principal, org_code=org, question_in=question_in
        )
        body = LocalQuestionRead.from_model(question)
        return 201, body, {"ETag": make_etag(body.id, body.version)}

    return await run_idempotent(db, request, principal, create, key=key)


@router.get("/v1/organisations/{org_code}/local-questions", response_model=Page[LocalQuestionRead])
async def list_local_questions(
    org_code: OrgCodePath,
    principal: Reader,
    session: SessionDep,
    page: PageQuery,
    template_version: Annotated[str | None, Query(pattern=r"^[0-9]{4}\.[0-9]{1,3}$")] = None,
) -> Page[LocalQuestionRead]:
    rows = await template_service.list_local_questions(
        session=session,
        principal=principal,
        org_code=org_code.upper(),
        page=page,
        template_version=template_version,
    )
    return make_page(
        rows, page, key_fn=lambda q: (q.created_at, q.id), item=LocalQuestionRead.from_model
    )


@router.get(
    "/v1/organisations/{org_code}/local-questions/{question_id}",
    response_model=LocalQuestionRead,
    responses={200: _RETURNS_QUESTION},
)
async def get_local_question(
    org_code: OrgCodePath,
    question_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    response: Response,
) -> LocalQuestionRead:
    question = await template_service.get_local_question(
        session=session, principal=principal, org_code=org_code.upper(), question_id=question_id
    )
    set_etag(response, question.id, question.version)
    return LocalQuestionRead.from_model(question)


@router.patch(
    "/v1/organisations/{org_code}/local-questions/{question_id}",
    response_model=LocalQuestionRead,
    responses={200: _RETURNS_QUESTION},
)
async def update_local_question(
    org_code: OrgCodePath,
    question_id: uuid.UUID,
    patch: LocalQuestionPatch,
    if_match: IfMatchHeader,
    principal: Admin,
    uow: UnitOfWorkDep,
    response: Response,
) -> LocalQuestionRead:
    """Make a live local question required (completion then needs an answer to it) or optional.

    The code and the text never change: answers already given were given to those words, and
    the national sections cannot be changed here at all. A retired question gets 409.
    """
    question = await template_service.update_local_question(
        session=uow.session,
        principal=principal,
        org_code=org_code.upper(),
        question_id=question_id,
        if_match=if_match,
        patch=patch,
    )
    body = LocalQuestionRead.from_model(question)
    await uow.commit()
    set_etag(response, body.id, body.version)
    return body


@router.post(
    "/v1/organisations/{org_code}/local-questions/{question_id}/retirement",
    response_model=LocalQuestionRead,
    responses={200: _RETURNS_QUESTION},
)
async def retire_local_question(
    org_code: OrgCodePath,
    question_id: uuid.UUID,
    if_match: IfMatchHeader,
    principal: Admin,
    uow: UnitOfWorkDep,
    response: Response,
) -> LocalQuestionRead:
    """Stop asking a local question. Appraisals that answered it keep their answer; appraisals
    that had not are no longer asked it, and it no longer holds completion back. The code stays
    taken. Once only: a retired question gets 409."""
    question = await template_service.retire_local_question(
        session=uow.session,
        principal=principal,
        org_code=org_code.upper(),
        question_id=question_id,
        if_match=if_match,
    )
    body = LocalQuestionRead.from_model(question)
    await uow.commit()
    set_etag(response, body.id, body.version)
    return body
