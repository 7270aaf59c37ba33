import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

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
)
from shared.app import SessionDep, UnitOfWorkDep
from shared.http.auth import Principal, require_scopes
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
