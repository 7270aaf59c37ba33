import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.app import DatabaseDep, SessionDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, check_version, make_etag, set_etag
from shared.http.idempotency import run_idempotent
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import Conflict, Forbidden, NotFound
from talent.conversations import domain
from talent.conversations import service as conversation_service
from talent.conversations.models import CareerConversation
from talent.conversations.schemas import (
    ConversationCreate,
    ConversationPatch,
    ConversationRead,
    conversation_read,
)
from talent.people import service as people_service

router = APIRouter(tags=["career conversations"])

TalentReader = Annotated[Principal, Depends(require_scopes("talent:read"))]
TalentWriter = Annotated[Principal, Depends(require_scopes("talent:write"))]
PersonIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,20}$", examples=["10234567"])]


def _shown(principal: Principal, conversation: CareerConversation) -> ConversationRead:
    show = domain.may_read_private_notes(
        subject=principal.subject,
        person_id=conversation.person_id,
        manager_person_id=conversation.manager_person_id,
    )
    return conversation_read(conversation, show_notes=show)


async def _conversation(
    session: AsyncSession, principal: Principal, conversation_id: uuid.UUID
) -> CareerConversation:
    conversation = await conversation_service.get(session, conversation_id)
    if conversation is None:
        raise NotFound(f"No career conversation {conversation_id}")
    if not principal.can_see_org(conversation.org_code):
        raise Forbidden(
            f"This token does not reach the organisation of career conversation {conversation_id}"
        )
    return conversation


@router.post(
    "/v1/people/{person_id}/career-conversations",
    status_code=201,
    response_model=ConversationRead,
    summary="Record a Scope for Growth career conversation (the person or their line manager)",
)
async def record_career_conversation(
    person_id: PersonIdPath,
    body: ConversationCreate,
    request: Request,
    principal: TalentWriter,
    db: DatabaseDep,
) -> Response:
    """The notes stay private to the person and their line manager; the outcome codes feed
    talent pool rules. Idempotency-Key accepted."""
    async with db.session() as session:
        person = await people_service.get_person(session=session, person_id=person_id)
    if person is None:
        raise NotFound(f"No person {person_id} is in the directory")
    if not principal.can_see_org(person.org_code):
        raise Forbidden(f"This token does not reach the organisation of person {person_id}")
    if not domain.may_record(
        subject=principal.subject, person_id=person_id, line_manager_id=person.line_manager_id
    ):
        raise Forbidden("Only the person or their line manager records their career conversations")

    async def create(session: AsyncSession) -> tuple[int, Any, dict[str, str]]:
        conversation = await conversation_service.create(
            session,
            person_id=person_id,
            org_code=person.org_code,
            manager_person_id=person.line_manager_id,
            created_by=principal.subject,
            values={**body.model_dump(mode="json"), "held_on": body.held_on},
        )
        return (
            201,
            _shown(principal, conversation),
            {
                "Location": f"/v1/career-conversations/{conversation.id}",
                "ETag": make_etag(str(conversation.id), conversation.version),
            },
        )

    return await run_idempotent(db, request, principal, create)


@router.get(
    "/v1/people/{person_id}/career-conversations",
    response_model=Page[ConversationRead],
    summary="A person's career conversations, latest first (notes only for them and manager)",
)
async def list_career_conversations(
    person_id: PersonIdPath, principal: TalentReader, session: SessionDep, page: PageQuery
) -> Page[ConversationRead]:
    person = await people_service.get_person(session=session, person_id=person_id)
    if person is None:
        raise NotFound(f"No person {person_id} is in the directory")
    if not principal.can_see_org(person.org_code):
        raise Forbidden(f"This token does not reach the organisation of person {person_id}")
    rows = await conversation_service.list_for_person(session, person_id=person_id, page=page)
    return make_page(
        rows, page, key_fn=lambda c: (c.held_on, c.id), item=lambda c: _shown(principal, c)
    )


@router.get(
    "/v1/career-conversations/{conversation_id}",
    response_model=ConversationRead,
    summary="One career conversation",
)
async def get_career_conversation(
    conversation_id: uuid.UUID, principal: TalentReader, session: SessionDep, response: Response
) -> ConversationRead:
    conversation = await _conversation(session, principal, conversation_id)
    set_etag(response, str(conversation.id), conversation.version)
    return _shown(principal, conversation)


@router.patch(
    "/v1/career-conversations/{conversation_id}",
    response_model=ConversationRead,
    summary="Amend a career conversation (the person or their manager; If-Match)",
)
async def amend_career_conversation(
    conversation_id: uuid.UUID,
    body: ConversationPatch,
    principal: TalentWriter,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader,
) -> ConversationRead:
    conversation = await _conversation(session, principal, conversation_id)
    if not domain.may_read_private_notes(
        subject=principal.subject,
        person_id=conversation.person_id,
        manager_person_id=conversation.manager_person_id,
    ):
        raise Forbidden("Only the person or their line manager amends their career conversation")
    expected = if_match.version_for(str(conversation.id))
    check_version(conversation.version, expected)
    changes = body.model_dump(mode="json", exclude_unset=True)
    for listed in ("agreed_actions", "outcome_codes"):
        if listed in changes and changes[listed] is None:
            changes[listed] = []
    updated = await conversation_service.change(
        session, conversation_id=conversation.id, expected_version=expected, changes=changes
    )
    if updated is None:
        await session.rollback()
        raise Conflict("The conversation changed meanwhile; read it again")
    await session.commit()
    set_etag(response, str(updated.id), updated.version)
    return _shown(principal, updated)
