"""Use cases of multi-source feedback: keyword-only functions, the session first."""

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.appraisals.models import Appraisal
from appraisal.feedback import domain
from appraisal.feedback.models import FeedbackReminder, FeedbackRequest, FeedbackResponse
from appraisal.feedback.schemas import FeedbackRequestCreate, WithdrawalRequest
from shared.http.auth import Principal
from shared.http.etag import IfMatchPrecondition, check_version
from shared.http.pagination import PageParams, paginate
from shared.http.problems import Conflict, FieldError, Forbidden, NotFound, UnprocessableEntity

# Feedback is asked while the appraisal is being prepared or discussed; once it is completed or
# cancelled a new rater could no longer change anything.
CLOSED_APPRAISAL_STATUSES = frozenset({"completed", "cancelled"})


@dataclass(frozen=True)
class FeedbackCount:
    """What the completion rules need to know of an appraisal's feedback.

    True counts, for rules only: never shown to a person, since a category below the minimum
    would then reveal how many (and so which) raters answered.
    """

    responses_total: int
    categories_reported: list[str]


async def feedback_summary(
    session: AsyncSession,
    appraisal_id: uuid.UUID,
    minimum_responses: int = domain.DEFAULT_MINIMUM_RESPONSES,
) -> FeedbackCount:
    """How many responses an appraisal has, and which categories reach the reporting minimum."""
    counts = await _response_counts(session, appraisal_id)
    return FeedbackCount(
        responses_total=sum(counts.values()),
        categories_reported=sorted(
            category for category, count in counts.items() if count >= minimum_responses
        ),
    )


async def _response_counts(session: AsyncSession, appraisal_id: uuid.UUID) -> dict[str, int]:
    rows = (
        await session.execute(
            select(FeedbackResponse.category, func.count())
            .where(FeedbackResponse.appraisal_id == appraisal_id)
            .group_by(FeedbackResponse.category)
        )
    ).all()
    return {category: count for category, count in rows}


def is_board_appraisal(appraisal: Appraisal) -> bool:
    # Board members are asked about the LCF domains, everyone else about the NHS values.
    return getattr(appraisal, "kind", None) == "board" or appraisal.board_role is not None


async def reachable_appraisal(
    *, session: AsyncSession, principal: Principal, appraisal_id: uuid.UUID
) -> Appraisal:
    appraisal = await session.get(Appraisal, appraisal_id)
    if appraisal is None:
        raise NotFound(f"appraisal {appraisal_id} does not exist")
    if not principal.can_see_org(appraisal.org_code):
        raise Forbidden(f"This token does not reach the organisation of appraisal {appraisal.id}")
    return appraisal


async def request_feedback(
    *,
    session: AsyncSession,
    principal: Principal,
    appraisal_id: uuid.UUID,
    request_in: FeedbackRequestCreate,
) -> tuple[FeedbackRequest, str, list[str]]:
    """Create a request and its link token; the token is returned once and only its digest kept."""
    appraisal = await reachable_appraisal(
        session=session, principal=principal, appraisal_id=appraisal_id
    )
    if appraisal.status in CLOSED_APPRAISAL_STATUSES:
        raise Conflict(
            f"feedback cannot be requested for an appraisal that is {appraisal.status}",
            status_now=appraisal.status,
        )
    if request_in.rater_id is not None and request_in.rater_id == appraisal.person_id:
        raise UnprocessableEntity(
            "Multi-source feedback comes from others; self-assessment belongs in the appraisal",
            errors=[
                FieldError(
                    path="body.rater_id",
                    message="the rater must be someone other than the appraisee",
                    type="value_error",
                )
            ],
        )
    token = domain.new_link_token()
    now = datetime.now(UTC)
    request = FeedbackRequest(
        id=uuid.uuid4(),
        appraisal_id=appraisal.id,
        category=request_in.category.value,
        rater_id=request_in.rater_id,
        token_hash=domain.token_digest(token),
        status=domain.RequestStatus.PENDING.value,
        expires_at=domain.link_expiry(now),
        requested_by=principal.subject[:200],
        version=1,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(request)
    except IntegrityError:
        raise Conflict(
            f"{request_in.rater_id} has already been asked for feedback on this appraisal"
        ) from None
    return request, token, domain.questions_for(board=is_board_appraisal(appraisal))


async def list_requests(
    *, session: AsyncSession, principal: Principal, appraisal_id: uuid.UUID, page: PageParams
) -> Sequence[FeedbackRequest]:
    await reachable_appraisal(session=session, principal=principal, appraisal_id=appraisal_id)
    stmt = select(FeedbackRequest).where(FeedbackRequest.appraisal_id == appraisal_id)
    stmt = paginate(
        stmt, sort_column=FeedbackRequest.created_at, id_column=FeedbackRequest.id, params=page
    )
    return (await session.scalars(stmt)).all()


def _answer_problems(ratings: Mapping[str, str], *, board: bool) -> UnprocessableEntity | None:
    problems = domain.rating_problems(ratings, board=board)
    if not problems:
        return None
    return UnprocessableEntity(
        "The ratings do not match the questions of this appraisal",
        errors=[
            FieldError(path=f"body.ratings.{code}", message=message, type="value_error")
            for code, message in problems
        ],
    )


async def _record_answer(
    session: AsyncSession,
    request: FeedbackRequest,
    ratings: Mapping[str, str],
    now: datetime,
) -> FeedbackResponse:
    appraisal = await session.get(Appraisal, request.appraisal_id)
    if appraisal is None:  # the appraisal was deleted with its requests in between
        raise NotFound("this feedback link is not valid")
    if appraisal.status in CLOSED_APPRAISAL_STATUSES:
        raise Conflict(f"the appraisal is {appraisal.status}; feedback is closed")
    if (problem := _answer_problems(ratings, board=is_board_appraisal(appraisal))) is not None:
        raise problem
    # Single use, decided by the database: only one UPDATE can move the request from pending.
    claimed = await session.scalar(
        update(FeedbackRequest)
        .where(
            FeedbackRequest.id == request.id,
            FeedbackRequest.status == domain.RequestStatus.PENDING.value,
        )
        # The version is left alone: it is the ETag the requester sees, and a change to it
        # would tell them that this rater had answered.
        .values(status=domain.RequestStatus.RESPONDED.value, responded_at=now)
        .returning(FeedbackRequest.id)
    )
    if claimed is None:
        raise Conflict("feedback has already been given through this request")
    response = FeedbackResponse(
        id=uuid.uuid4(),
        appraisal_id=request.appraisal_id,
        request_id=request.id,
        category=request.category,
        ratings=dict(ratings),
        submitted_at=now,
    )
    session.add(response)
    await session.flush()
    return response


async def answer_by_link(
    *, session: AsyncSession, token: str, ratings: Mapping[str, str]
) -> FeedbackResponse:
    request = await session.scalar(
        select(FeedbackRequest).where(FeedbackRequest.token_hash == domain.token_digest(token))
    )
    # One answer for unknown and withdrawn tokens: nothing tells a guesser how close they came,
    # and a withdrawn link simply stops working.
    if request is None or request.status == domain.RequestStatus.WITHDRAWN.value:
        raise NotFound("this feedback link is not valid")
    now = datetime.now(UTC)
    if request.status != domain.RequestStatus.PENDING.value:
        raise Conflict("feedback has already been given through this link")
    if request.expires_at <= now:
        raise Conflict("this feedback link has expired; ask for a new one")
    return await _record_answer(session, request, ratings, now)


async def answer_as_rater(
    *,
    session: AsyncSession,
    principal: Principal,
    appraisal_id: uuid.UUID,
    request_id: uuid.UUID,
    ratings: Mapping[str, str],
) -> FeedbackResponse:
    """The rater answers signed in: the token's subject must be the rater named on the request."""
    await reachable_appraisal(session=session, principal=principal, appraisal_id=appraisal_id)
    request = await session.get(FeedbackRequest, request_id)
    if request is None or request.appraisal_id != appraisal_id:
        raise NotFound(f"feedback request {request_id} does not exist for this appraisal")
    if request.rater_id is None or request.rater_id != principal.subject:
        raise Forbidden("Only the rater named on a feedback request can answer it")
    if request.status == domain.RequestStatus.WITHDRAWN.value:
        raise Conflict("this feedback request was withdrawn", rule="feedback.withdrawn")
    now = datetime.now(UTC)
    if request.status != domain.RequestStatus.PENDING.value:
        raise Conflict("feedback has already been given for this request")
    if request.expires_at <= now:
        raise Conflict("this feedback request has expired; ask for a new one")
    return await _record_answer(session, request, ratings, now)


async def summarise(
    *,
    session: AsyncSession,
    principal: Principal,
    appraisal_id: uuid.UUID,
    minimum_responses: int,
) -> tuple[domain.Summary, list[str]]:
    appraisal = await reachable_appraisal(
        session=session, principal=principal, appraisal_id=appraisal_id
    )
    requested = dict(
        (
            await session.execute(
                select(FeedbackRequest.category, func.count())
                .where(
                    FeedbackRequest.appraisal_id == appraisal_id,
                    # A withdrawn request never counts, not even as asked.
                    FeedbackRequest.status != domain.RequestStatus.WITHDRAWN.value,
                )
                .group_by(FeedbackRequest.category)
            )
        ).all()
    )
    responses: dict[str, list[Mapping[str, str]]] = defaultdict(list)
    for category, ratings in (
        await session.execute(
            select(FeedbackResponse.category, FeedbackResponse.ratings).where(
                FeedbackResponse.appraisal_id == appraisal_id
            )
        )
    ).all():
        responses[category].append(ratings)
    questions = domain.questions_for(board=is_board_appraisal(appraisal))
    summary = domain.summarise(
        requested_by_category=requested,
        responses_by_category=responses,
        questions=questions,
        minimum_responses=minimum_responses,
    )
    return summary, questions


async def get_request(
    *,
    session: AsyncSession,
    principal: Principal,
    appraisal_id: uuid.UUID,
    request_id: uuid.UUID,
) -> FeedbackRequest:
    await reachable_appraisal(session=session, principal=principal, appraisal_id=appraisal_id)
    request = await session.get(FeedbackRequest, request_id)
    if request is None or request.appraisal_id != appraisal_id:
        raise NotFound(f"feedback request {request_id} does not exist for this appraisal")
    return request


async def _lock_request(
    session: AsyncSession, principal: Principal, appraisal_id: uuid.UUID, request_id: uuid.UUID
) -> tuple[Appraisal, FeedbackRequest]:
    """The request, locked against a rater's answer and other follow-ups while it changes."""
    appraisal = await reachable_appraisal(
        session=session, principal=principal, appraisal_id=appraisal_id
    )
    request = await session.scalar(
        select(FeedbackRequest)
        .where(FeedbackRequest.id == request_id, FeedbackRequest.appraisal_id == appraisal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if request is None:
        raise NotFound(f"feedback request {request_id} does not exist for this appraisal")
    return appraisal, request


def _refused(refused: domain.FollowUpRefused) -> Conflict:
    return Conflict(str(refused), rule=refused.rule)


async def withdraw_request(
    *,
    session: AsyncSession,
    principal: Principal,
    appraisal_id: uuid.UUID,
    request_id: uuid.UUID,
    if_match: IfMatchPrecondition,
    withdrawal: WithdrawalRequest,
) -> FeedbackRequest:
    """Withdraw a request: its link stops working and it never counts. An answer already given
    through it is deleted, so the summary and the completion rules cannot use it."""
    # Reach before the precondition, so a caller without reach learns nothing of the request.
    appraisal, request = await _lock_request(session, principal, appraisal_id, request_id)
    check_version(request.version, if_match.version_for(request_id))
    if appraisal.status in CLOSED_APPRAISAL_STATUSES:
        raise Conflict(
            f"the appraisal is {appraisal.status}; its feedback can no longer change",
            status_now=appraisal.status,
        )
    try:
        domain.check_withdrawal(status=domain.RequestStatus(request.status))
    except domain.FollowUpRefused as refused:
        raise _refused(refused) from None
    await session.execute(delete(FeedbackResponse).where(FeedbackResponse.request_id == request.id))
    request.status = domain.RequestStatus.WITHDRAWN.value
    request.withdrawn_at = datetime.now(UTC)
    request.withdrawn_by = principal.subject[:200]
    request.withdrawal_reason = withdrawal.reason_code.value
    request.version += 1
    await session.flush()
    return request


async def record_reminder(
    *,
    session: AsyncSession,
    principal: Principal,
    appraisal_id: uuid.UUID,
    request_id: uuid.UUID,
) -> tuple[FeedbackReminder, int]:
    """Record that the rater was reminded (by whom, when); the reminder and how many remain.

    The request's row lock makes the limit hold when two reminders arrive at once."""
    appraisal, request = await _lock_request(session, principal, appraisal_id, request_id)
    if appraisal.status in CLOSED_APPRAISAL_STATUSES:
        raise Conflict(
            f"the appraisal is {appraisal.status}; feedback is closed",
            status_now=appraisal.status,
        )
    now = datetime.now(UTC)
    so_far = await session.scalar(
        select(func.count()).where(FeedbackReminder.request_id == request.id)
    )
    try:
        domain.check_reminder(
            status=domain.RequestStatus(request.status),
            reminders_so_far=so_far or 0,
            expires_at=request.expires_at,
            now=now,
        )
    except domain.FollowUpRefused as refused:
        raise _refused(refused) from None
    reminder = FeedbackReminder(
        id=uuid.uuid4(),
        request_id=request.id,
        reminded_by=principal.subject[:200],
        reminded_at=now,
    )
    session.add(reminder)
    await session.flush()
    return reminder, domain.MAX_REMINDERS_PER_REQUEST - (so_far or 0) - 1


async def list_reminders(
    *,
    session: AsyncSession,
    principal: Principal,
    appraisal_id: uuid.UUID,
    request_id: uuid.UUID,
    page: PageParams,
) -> Sequence[FeedbackReminder]:
    await get_request(
        session=session, principal=principal, appraisal_id=appraisal_id, request_id=request_id
    )
    stmt = paginate(
        select(FeedbackReminder).where(FeedbackReminder.request_id == request_id),
        sort_column=FeedbackReminder.reminded_at,
        id_column=FeedbackReminder.id,
        params=page,
    )
    return (await session.scalars(stmt)).all()
