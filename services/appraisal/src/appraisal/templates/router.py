from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.templates import domain
from appraisal.templates import service as template_service
from appraisal.templates.schemas import LocalQuestionCreate, LocalQuestionRead, TemplateRead
from shared.app import DatabaseDep, SessionDep
from shared.http.auth import Principal, require_scopes
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


@router.post(
    "/v1/organisations/{org_code}/local-questions",
    status_code=201,
    response_model=LocalQuestionRead,
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
        return 201, LocalQuestionRead.from_model(question), {}

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
