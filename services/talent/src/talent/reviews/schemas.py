import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from talent.reviews.domain import Rating, ReviewStatus
from talent.succession.schemas import SINGLE_LINE

Score = Annotated[int, Field(ge=1, le=3, strict=True)]


def _upper(value: str) -> str:
    return value.upper()


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_code: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{3,5}$"), AfterValidator(_upper)]
    name: str = Field(
        min_length=3,
        max_length=200,
        pattern=SINGLE_LINE,
        examples=["Nursing leadership review 2026"],
    )


class ReviewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_code: str
    name: str
    status: ReviewStatus
    created_at: datetime
    version: int


class ReviewTransition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: ReviewStatus


class AssessmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,20}$")
    aspiration: Score
    engagement: Score
    ability: Score
    leadership_values: Score


class MoveRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    from_box: int
    to_box: int
    moved_by: str
    reason: str
    moved_at: datetime


class AssessmentRead(BaseModel):
    id: uuid.UUID
    review_id: uuid.UUID
    person_id: str
    org_code: str
    appraisal_id: str | None = Field(description="The appraisal performance was taken from")
    performance: Rating
    aspiration: int
    engagement: int
    ability: int
    leadership_values: int
    potential: Rating
    assessed_box: int = Field(ge=1, le=9, description="Where the assessment placed the person")
    box: int = Field(ge=1, le=9, description="Where moderation left them")
    moves: list[MoveRead]
    assessed_by: str
    assessed_at: datetime
    version: int


class MoveCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_box: int = Field(ge=1, le=9, strict=True)
    reason: str = Field(min_length=3, max_length=500, pattern=SINGLE_LINE)
