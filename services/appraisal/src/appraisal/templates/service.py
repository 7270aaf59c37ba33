"""Use cases of templates and local questions."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.templates import domain
from appraisal.templates.models import LocalQuestion
from appraisal.templates.schemas import LocalQuestionCreate
from shared.http.auth import Principal
from shared.http.pagination import PageParams, paginate
from shared.http.problems import (
    Conflict,
    NotFound,
    UnprocessableEntity,
    invalid_input,
    problem_type,
)
from shared.reference.organisations import get_organisation


def require_template(version: str, *, path: str = "body.template_version") -> domain.Template:
    template = domain.get_template(version)
    if template is None:
        known = ", ".join(sorted(domain.NATIONAL_TEMPLATES))
        raise invalid_input(path, f"unknown template {version}; known: {known}")
    return template


def get_template(version: str) -> domain.Template:
    template = domain.get_template(version)
    if template is None:
        raise NotFound(f"template {version} does not exist")
    return template


def _require_known_org(principal: Principal, org_code: str) -> None:
    principal.require_org(org_code)
    if get_organisation(org_code) is None:
        raise invalid_input("path.org_code", f"{org_code} is not a known NHS organisation")


async def add_local_question(
    *,
    session: AsyncSession,
    principal: Principal,
    org_code: str,
    question_in: LocalQuestionCreate,
) -> LocalQuestion:
    _require_known_org(principal, org_code)
    template = require_template(question_in.template_version)
    codes = frozenset(
        (
            await session.scalars(
                select(LocalQuestion.code).where(
                    LocalQuestion.org_code == org_code,
                    LocalQuestion.template_version == template.version,
                )
            )
        ).all()
    )
    try:
        domain.check_local_question(
            template=template,
            code=question_in.code,
            existing_codes=codes,
            existing_count=len(codes),
        )
    except domain.LocalQuestionRefused as refused:
        if refused.rule == "local_questions.unique_code":
            raise Conflict(str(refused), rule=refused.rule) from None
        raise UnprocessableEntity(
            str(refused), type=problem_type("local-question-refused"), rule=refused.rule
        ) from None
    question = LocalQuestion(
        id=uuid.uuid4(),
        org_code=org_code,
        template_version=template.version,
        code=question_in.code,
        text=question_in.text,
        answer_type=question_in.answer_type,
        created_by=principal.subject,
        created_at=datetime.now(UTC),
    )
    try:
        async with session.begin_nested():
            session.add(question)
    except IntegrityError:
        raise Conflict(
            f"the organisation already asks {question_in.code}",
            rule="local_questions.unique_code",
        ) from None
    return question


async def list_local_questions(
    *,
    session: AsyncSession,
    principal: Principal,
    org_code: str,
    page: PageParams,
    template_version: str | None = None,
) -> Sequence[LocalQuestion]:
    principal.require_org(org_code)
    stmt = select(LocalQuestion).where(LocalQuestion.org_code == org_code)
    if template_version is not None:
        stmt = stmt.where(LocalQuestion.template_version == template_version)
    stmt = paginate(
        stmt, sort_column=LocalQuestion.created_at, id_column=LocalQuestion.id, params=page
    )
    return (await session.scalars(stmt)).all()


async def local_question_codes(
    *, session: AsyncSession, org_code: str, template_version: str
) -> dict[str, str]:
    """The organisation's local questions for a template: code → answer type."""
    rows = await session.execute(
        select(LocalQuestion.code, LocalQuestion.answer_type).where(
            LocalQuestion.org_code == org_code,
            LocalQuestion.template_version == template_version,
        )
    )
    return {code: answer_type for code, answer_type in rows.all()}
