import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.feedback import domain
from appraisal.feedback import service as feedback_service
from appraisal.feedback.domain import RaterCategory
from appraisal.feedback.schemas import (
    CategorySummary,
    FeedbackAnswers,
    FeedbackLinkAnswer,
    FeedbackReceived,
    FeedbackRequestCreate,
    FeedbackRequestCreated,
    FeedbackRequestRead,
    FeedbackSummaryRead,
    ReminderRead,
    ReminderRecorded,
    WithdrawalRequest,
)
from shared.app import DatabaseDep, SessionDep, UnitOfWorkDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, run_idempotent
from shared.http.pagination import Page, PageQuery, make_page

router = APIRouter(tags=["feedback"])
# Included without the bearer-token dependency every other router gets: the link token in the
# body is the credential of raters who hold no NHS account.
link_router = APIRouter(tags=["feedback"])

FeedbackReader = Annotated[Principal, Depends(require_scopes("appraisal:read"))]
FeedbackWriter = Annotated[Principal, Depends(require_scopes("appraisal:write"))]


def _minimum_responses(request: Request) -> int:
    return int(
        getattr(
            request.app.state.settings,
            "feedback_minimum_responses",
            domain.DEFAULT_MINIMUM_RESPONSES,
        )
    )


@router.post(
    "/v1/appraisals/{appraisal_id}/feedback-requests",
    status_code=201,
    response_model=FeedbackRequestCreated,
)
async def request_feedback(
    appraisal_id: uuid.UUID,
    request_in: FeedbackRequestCreate,
    principal: FeedbackWriter,
    uow: UnitOfWorkDep,
) -> FeedbackRequestCreated:
    """Ask a rater for feedback; the answer shows the rater's single-use link token once.

    No Idempotency-Key: a replayed response would have to keep the token, and the token is
    kept nowhere. A retry for a named rater gets 409; a lost token means a new request.
    """
    request, token, questions = await feedback_service.request_feedback(
        session=uow.session, principal=principal, appraisal_id=appraisal_id, request_in=request_in
    )
    body = FeedbackRequestCreated(
        **FeedbackRequestRead.from_model(request).model_dump(),
        response_token=token,
        questions=questions,
    )
    await uow.commit()
    return body


@router.get(
    "/v1/appraisals/{appraisal_id}/feedback-requests",
    response_model=Page[FeedbackRequestRead],
)
async def list_feedback_requests(
    appraisal_id: uuid.UUID, principal: FeedbackReader, session: SessionDep, page: PageQuery
) -> Page[FeedbackRequestRead]:
    """Who was asked, in which category. Whether each answered is not shown, by design."""
    rows = await feedback_service.list_requests(
        session=session, principal=principal, appraisal_id=appraisal_id, page=page
    )
    return make_page(
        rows, page, key_fn=lambda r: (r.created_at, r.id), item=FeedbackRequestRead.from_model
    )


@router.post(
    "/v1/appraisals/{appraisal_id}/feedback-requests/{request_id}/response",
    status_code=201,
    response_model=FeedbackReceived,
)
async def answer_feedback_request(
    appraisal_id: uuid.UUID,
    request_id: uuid.UUID,
    answers: FeedbackAnswers,
    principal: FeedbackWriter,
    uow: UnitOfWorkDep,
) -> FeedbackReceived:
    """The rater answers signed in, as the person named on the request. Once only."""
    response = await feedback_service.answer_as_rater(
        session=uow.session,
        principal=principal,
        appraisal_id=appraisal_id,
        request_id=request_id,
        ratings={code: rating.value for code, rating in answers.ratings.items()},
    )
    body = FeedbackReceived(
        appraisal_id=response.appraisal_id,
        category=RaterCategory(response.category),
        submitted_at=response.submitted_at,
    )
    await uow.commit()
    return body


@link_router.post("/v1/feedback-responses", status_code=201, response_model=FeedbackReceived)
async def answer_by_link(answers: FeedbackLinkAnswer, uow: UnitOfWorkDep) -> FeedbackReceived:
    """Answer through a feedback link: the single-use token is the credential, no bearer token.

    Raters such as governors and partners hold no NHS account; the token stands in for one. It
    travels in the body, not the URL, so it does not end up in access logs.
    """
    response = await feedback_service.answer_by_link(
        session=uow.session,
        token=answers.token,
        ratings={code: rating.value for code, rating in answers.ratings.items()},
    )
    body = FeedbackReceived(
        appraisal_id=response.appraisal_id,
        category=RaterCategory(response.category),
        submitted_at=response.submitted_at,
    )
    await uow.commit()
    return body


@router.get("/v1/appraisals/{appraisal_id}/feedback", response_model=FeedbackSummaryRead)
async def get_feedback_summary(
    appraisal_id: uuid.UUID, principal: FeedbackReader, session: SessionDep, request: Request
) -> FeedbackSummaryRead:
    """The feedback in aggregate; a category with fewer responses than the minimum is suppressed."""
    summary, questions = await feedback_service.summarise(
        session=session,
        principal=principal,
        appraisal_id=appraisal_id,
        minimum_responses=_minimum_responses(request),
    )
    return FeedbackSummaryRead(
        appraisal_id=appraisal_id,
        minimum_responses=summary.minimum_responses,
        scale={str(k): v for k, v in domain.FREQUENCY_POINTS.items()},
        questions=questions,
        categories=[
            CategorySummary(
                category=RaterCategory(result.category),
                requested=result.requested,
                status="reported" if result.reported else "suppressed",
                responses=result.responses,
                mean_by_question=result.mean_by_question,
            )
            for result in summary.categories
        ],
        responses_reported=summary.responses_reported,
        overall_mean_by_question=summary.overall_mean_by_question,
    )


_ETAG_HEADER = {
    "ETag": {"description": "Strong ETag of the returned version", "schema": {"type": "string"}}
}
_THIS_REQUEST = {
    "path.appraisal_id": "$response.body#/appraisal_id",
    "path.request_id": "$response.body#/id",
}
_RETURNS_REQUEST = {
    "headers": _ETAG_HEADER,
    "links": {
        "withdraw_feedback_request": {
            "operationId": "withdraw_feedback_request",
            "parameters": {**_THIS_REQUEST, "header.If-Match": "$response.header.ETag"},
        },
        "remind_feedback_rater": {
            "operationId": "remind_feedback_rater",
            "parameters": _THIS_REQUEST,
        },
    },
}


@router.get(
    "/v1/appraisals/{appraisal_id}/feedback-requests/{request_id}",
    response_model=FeedbackRequestRead,
    responses={200: _RETURNS_REQUEST},
)
async def get_feedback_request(
    appraisal_id: uuid.UUID,
    request_id: uuid.UUID,
    principal: FeedbackReader,
    session: SessionDep,
    response: Response,
) -> FeedbackRequestRead:
    """One request, with the ETag a withdrawal needs. Whether it was answered is not shown."""
    request = await feedback_service.get_request(
        session=session, principal=principal, appraisal_id=appraisal_id, request_id=request_id
    )
    set_etag(response, request.id, request.version)
    return FeedbackRequestRead.from_model(request)


@router.post(
    "/v1/appraisals/{appraisal_id}/feedback-requests/{request_id}/withdrawal",
    response_model=FeedbackRequestRead,
    responses={200: {"headers": _ETAG_HEADER}},
)
async def withdraw_feedback_request(
    appraisal_id: uuid.UUID,
    request_id: uuid.UUID,
    withdrawal: WithdrawalRequest,
    if_match: IfMatchHeader,
    principal: FeedbackWriter,
    uow: UnitOfWorkDep,
    response: Response,
) -> FeedbackRequestRead:
    """Withdraw a request while the appraisal is open: its link stops working at once, and the
    request never counts, neither as asked nor, if the rater had answered, as a response (the
    answer is deleted). The reply is the same whether or not the rater had answered."""
    request = await feedback_service.withdraw_request(
        session=uow.session,
        principal=principal,
        appraisal_id=appraisal_id,
        request_id=request_id,
        if_match=if_match,
        withdrawal=withdrawal,
    )
    body = FeedbackRequestRead.from_model(request)
    await uow.commit()
    set_etag(response, body.id, body.version)
    return body


@router.post(
    "/v1/appraisals/{appraisal_id}/feedback-requests/{request_id}/reminders",
    status_code=201,
    response_model=ReminderRecorded,
)
async def remind_feedback_rater(
    appraisal_id: uuid.UUID,
    request_id: uuid.UUID,
    request: Request,
    principal: FeedbackWriter,
    db: DatabaseDep,
    key: IdempotencyKeyHeader,
) -> Response:
    """Record that the rater was reminded: who recorded it and when.

    The service sends no e-mail or other message: whoever reminds the rater does so through
    their own channel and records it here. At most three reminders per request (409 after
    that, and for a withdrawn request or an expired link). A retry with the same
    Idempotency-Key records one reminder, not two.
    """

    async def create(session: AsyncSession) -> tuple[int, Any, dict[str, str]]:
        reminder, left = await feedback_service.record_reminder(
            session=session, principal=principal, appraisal_id=appraisal_id, request_id=request_id
        )
        body = ReminderRecorded(
            **ReminderRead.from_model(reminder).model_dump(), reminders_left=left
        )
        return 201, body, {}

    return await run_idempotent(db, request, principal, create, key=key)


@router.get(
    "/v1/appraisals/{appraisal_id}/feedback-requests/{request_id}/reminders",
    response_model=Page[ReminderRead],
)
async def list_feedback_reminders(
    appraisal_id: uuid.UUID,
    request_id: uuid.UUID,
    principal: FeedbackReader,
    session: SessionDep,
    page: PageQuery,
) -> Page[ReminderRead]:
    """The reminders recorded for a request, oldest first."""
    rows = await feedback_service.list_reminders(
        session=session,
        principal=principal,
        appraisal_id=appraisal_id,
        request_id=request_id,
        page=page,
    )
    return make_page(
        rows, page, key_fn=lambda r: (r.reminded_at, r.id), item=ReminderRead.from_model
    )
