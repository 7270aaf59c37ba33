"""Request and response bodies of multi-source feedback."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from appraisal.feedback.domain import Frequency, RaterCategory, WithdrawalReason
from appraisal.feedback.models import FeedbackReminder, FeedbackRequest

RaterId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{1,20}$"),
    Field(description="The rater's person number, when they have one", examples=["20481234"]),
]
QuestionCode = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,60}$")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FeedbackRequestCreate(_Input):
    category: RaterCategory
    rater_id: RaterId | None = Field(
        default=None, description="Optional: a governor or partner may have no person number"
    )


class FeedbackRequestRead(BaseModel):
    """A request as anyone may see it later: whether it was answered is not shown."""

    id: uuid.UUID
    appraisal_id: uuid.UUID
    category: RaterCategory
    rater_id: str | None
    expires_at: datetime
    created_at: datetime
    withdrawn_at: datetime | None = Field(
        default=None, description="Set once the request is withdrawn: its link no longer works"
    )
    withdrawal_reason: WithdrawalReason | None = None
    version: int = Field(
        default=1,
        description="Changes with the requester's own changes only, never with the rater's answer",
    )

    @classmethod
    def from_model(cls, request: FeedbackRequest) -> "FeedbackRequestRead":
        return cls(
            id=request.id,
            appraisal_id=request.appraisal_id,
            category=RaterCategory(request.category),
            rater_id=request.rater_id,
            expires_at=request.expires_at,
            created_at=request.created_at,
            withdrawn_at=request.withdrawn_at,
            withdrawal_reason=None
            if request.withdrawal_reason is None
            else WithdrawalReason(request.withdrawal_reason),
            version=request.version,
        )


class FeedbackRequestCreated(FeedbackRequestRead):
    response_token: str = Field(
        description="The rater's single-use link token. Shown once, never stored: send it to "
        "the rater now; a lost token means a new request."
    )
    questions: list[str] = Field(description="What the rater is asked to rate")


class FeedbackAnswers(_Input):
    ratings: dict[QuestionCode, Frequency] = Field(
        description="Every question rated on the frequency scale", max_length=20
    )


class FeedbackLinkAnswer(FeedbackAnswers):
    token: str = Field(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")


class FeedbackReceived(BaseModel):
    appraisal_id: uuid.UUID
    category: RaterCategory
    submitted_at: datetime


class CategorySummary(BaseModel):
    category: RaterCategory
    requested: int
    status: str = Field(
        description="reported, or suppressed below the minimum", examples=["suppressed"]
    )
    responses: int | None = Field(description="Null when suppressed")
    mean_by_question: dict[str, float | None] | None = Field(
        description="Mean on 4 (almost always) to 1 (rarely); null when suppressed"
    )


class FeedbackSummaryRead(BaseModel):
    appraisal_id: uuid.UUID
    minimum_responses: int
    scale: dict[str, int] = Field(description="Points of each rating in the means")
    questions: list[str]
    categories: list[CategorySummary]
    responses_reported: int = Field(description="Responses in the reported categories only")
    overall_mean_by_question: dict[str, float | None] = Field(
        description="Means over the reported categories only"
    )


class WithdrawalRequest(_Input):
    reason_code: WithdrawalReason


class ReminderRead(BaseModel):
    id: uuid.UUID
    request_id: uuid.UUID
    reminded_by: str = Field(description="The subject of the token that recorded the reminder")
    reminded_at: datetime

    @classmethod
    def from_model(cls, reminder: FeedbackReminder) -> "ReminderRead":
        return cls(
            id=reminder.id,
            request_id=reminder.request_id,
            reminded_by=reminder.reminded_by,
            reminded_at=reminder.reminded_at,
        )


class ReminderRecorded(ReminderRead):
    reminders_left: int = Field(description="How many more reminders this request may have")
