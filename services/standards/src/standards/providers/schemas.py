import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from standards.identifiers import Name, OrgCode, ProgrammeCode, ReasonCode
from standards.providers.domain import AccreditationStatus

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


class AccreditationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    programme_code: ProgrammeCode
    status: AccreditationStatus
    valid_from: date = Field(description="First day the decision applies (English date)")
    valid_to: date | None = Field(
        default=None, description="Last day it applies, inclusive; null: until a later decision"
    )
    reason_code: ReasonCode | None = None

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
    recorded_at: datetime
