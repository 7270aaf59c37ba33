"""Use cases of templates and local questions."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.templates import domain
from appraisal.templates.models import LocalQuestion
from appraisal.templates.schemas import LocalQuestionCreate, LocalQuestionPatch
from shared.http.auth import Principal
from shared.http.etag import IfMatchPrecondition, check_version
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
    existing = (
        await session.execute(
            select(LocalQuestion.code, LocalQuestion.retired_at).where(
                LocalQuestion.org_code == org_code,
                LocalQuestion.template_version == template.version,
            )
        )
    ).all()
    try:
        domain.check_local_question(
            template=template,
            code=question_in.code,
            # Retired codes stay taken; only live questions count towards the limit.
            existing_codes=frozenset(code for code, _ in existing),
            existing_count=sum(1 for _, retired_at in existing if retired_at is None),
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
        required=question_in.required,
        version=1,
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


def state_of(question: LocalQuestion) -> domain.LocalQuestionState:
    return domain.LocalQuestionState(
        code=question.code,
        answer_type=domain.LocalAnswerType(question.answer_type),
        required=question.required,
        retired=question.retired_at is not None,
    )


async def get_local_question(
    *, session: AsyncSession, principal: Principal, org_code: str, question_id: uuid.UUID
) -> LocalQuestion:
    principal.require_org(org_code)
    question = await session.get(LocalQuestion, question_id)
    if question is None or question.org_code != org_code:
        raise NotFound(f"local question {question_id} does not exist in {org_code}")
    return question


async def _lock_question(
    session: AsyncSession,
    principal: Principal,
    org_code: str,
    question_id: uuid.UUID,
    if_match: IfMatchPrecondition,
) -> LocalQuestion:
    principal.require_org(org_code)
    expected = if_match.version_for(question_id)
    question = await session.scalar(
        select(LocalQuestion)
        .where(LocalQuestion.id == question_id, LocalQuestion.org_code == org_code)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if question is None:
        raise NotFound(f"local question {question_id} does not exist in {org_code}")
    check_version(question.version, expected)
    try:
        domain.check_can_change(state_of(question))
    except domain.LocalQuestionRefused as refused:
        raise Conflict(str(refused), rule=refused.rule) from None
    return question


async def update_local_question(
    *,
    session: AsyncSession,
    principal: Principal,
    org_code: str,
    question_id: uuid.UUID,
    if_match: IfMatchPrecondition,
    patch: LocalQuestionPatch,
) -> LocalQuestion:
    """Make a live question required or optional. Its text and code never change: answers
    already given were given to those words."""
    question = await _lock_question(session, principal, org_code, question_id, if_match)
    question.required = patch.required
    question.version += 1
    question.updated_at = datetime.now(UTC)
    await session.flush()
    return question


async def retire_local_question(
    *,
    session: AsyncSession,
    principal: Principal,
    org_code: str,
    question_id: uuid.UUID,
    if_match: IfMatchPrecondition,
) -> LocalQuestion:
    """Stop asking a question. Appraisals that answered it keep the answer; no other appraisal
    is asked it again, and a required one no longer holds completion back."""
    question = await _lock_question(session, principal, org_code, question_id, if_match)
    now = datetime.now(UTC)
    question.retired_at = now
    question.retired_by = principal.subject[:200]
    question.required = False
    question.version += 1
    question.updated_at = now
    await session.flush()
    return question


async def local_questions_of(
    *, session: AsyncSession, org_code: str, template_version: str
) -> list[domain.LocalQuestionState]:
    """Every local question of the organisation for a template, live and retired."""
    rows = await session.scalars(
        select(LocalQuestion)
        .where(
            LocalQuestion.org_code == org_code,
            LocalQuestion.template_version == template_version,
        )
        .order_by(LocalQuestion.code)
    )
    return [state_of(question) for question in rows.all()]
