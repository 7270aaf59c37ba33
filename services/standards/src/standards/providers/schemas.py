import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from standards.identifiers import Name, OrgCode, ProgrammeCode, ReasonCode
from standards.providers.domain import AccreditationStatus


def _one_line(value: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value


def _no_control_except_newlines(value: str) -> str:
    if any((ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value


Rationale = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(_no_control_except_newlines),
]

Ukprn = Annotated[
    str,
    Field(pattern=r"^1[0-9]{7}$", description="UK Register of Learning Providers number"),
]


class ProviderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(examples=["North West Leadership Academy"])
    ukprn: Ukprn | None = Field(default=None, examples=["10012345"])
    org_code: OrgCode | None = Field(
        default=None, description="When the provider is itself an NHS organisation"
    )


class AccreditationSummary(BaseModel):
    """The latest decision for one programme."""

    model_config = ConfigDict(from_attributes=True)

    programme_code: str
    status: AccreditationStatus
    valid_from: date
    valid_to: date | None
    accreditation_id: uuid.UUID = Field(validation_alias="id")


class ProviderRead(BaseModel):
    id: uuid.UUID
    name: str
    ukprn: str | None
    org_code: str | None
    version: int
    created_at: datetime
    accreditations: list[AccreditationSummary] = Field(
        default_factory=list, description="Latest accreditation decision per programme"
    )


Condition = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(_one_line),
]


class AccreditationCreate(BaseModel):
    """One decision of the accreditation lifecycle for one programme.

    applied → under_review → accredited | accredited_with_conditions → suspended →
    withdrawn | expired; a grant may also be recorded directly (an accreditation awarded before
    the provider joined the register).
    """

    model_config = ConfigDict(extra="forbid")

    programme_code: ProgrammeCode
    status: AccreditationStatus
    valid_from: date = Field(description="First day the decision applies (English date)")
    valid_to: date | None = Field(
        default=None, description="Last day it applies, inclusive; null: until a later decision"
    )
    reason_code: ReasonCode | None = None
    conditions: list[Condition] = Field(
        default_factory=list,
        max_length=20,
        description="What the provider must do; required for accredited_with_conditions only",
    )
    rationale: Rationale | None = Field(
        default=None, description="Why the decision was taken, for the register's audit trail"
    )

    @field_validator("valid_to")
    @classmethod
    def _window(cls, value: date | None, info: ValidationInfo) -> date | None:
        valid_from = info.data.get("valid_from")
        if value is not None and valid_from is not None and value < valid_from:
            raise ValueError("must be on or after valid_from")
        return value


class AccreditationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    provider_id: uuid.UUID
    programme_code: str
    status: AccreditationStatus
    valid_from: date
    valid_to: date | None
    reason_code: str | None
    conditions: list[str] = Field(default_factory=list)
    rationale: str | None = None
    recorded_at: datetime
    recorded_by: str = Field(description="Who recorded the decision (the token subject)")


class AccreditationOnDay(BaseModel):
    """Whether a provider was accredited for a programme on one (English) calendar day."""

    provider_id: uuid.UUID
    programme_code: str
    on: date
    live: bool = Field(description="accredited or accredited_with_conditions on that day")
    decision: AccreditationRead | None = Field(description="The decision in force that day")
