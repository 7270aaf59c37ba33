import uuid
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from ned.fppt.domain import SignOffRole, SubjectRole
from ned.fppt.schemas import IsoDate
from ned.references.domain import LeavingReason, MatterKind, MatterStatus, ReleasePurpose

PersonId = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,20}$", examples=["10042"])]
OrgCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])]


class Matter(BaseModel):
    """A complaint, disciplinary matter or investigation, by its codes and dates only."""

    model_config = ConfigDict(extra="forbid")

    kind: MatterKind
    status: MatterStatus
    raised_on: IsoDate
    closed_on: IsoDate | None = None

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.status is MatterStatus.ONGOING and self.closed_on is not None:
            raise ValueError("an ongoing matter has no closed_on")
        if self.closed_on is not None and self.closed_on < self.raised_on:
            raise ValueError("closed_on is before raised_on")
        return self


class ReferenceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: PersonId
    org_code: OrgCode = Field(description="The organisation whose board the person leaves")
    date_of_birth: IsoDate = Field(description="Only to keep the reference until the 75th birthday")
    board_role: SubjectRole
    role_title: str = Field(min_length=1, max_length=200)
    served_from: IsoDate
    served_to: IsoDate
    leaving_reason: LeavingReason
    matters: list[Matter] = Field(default_factory=list, max_length=50)
    fit_and_proper_concerns: StrictBool
    statement: str | None = Field(default=None, max_length=4000)
    referee_role: SignOffRole | SubjectRole = Field(
        description="Who gives the reference: usually the chair; for a chair, the SID or deputy"
    )

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.served_to < self.served_from:
            raise ValueError("served_to is before served_from")
        if self.date_of_birth.year < 1900 or self.date_of_birth >= self.served_from:
            raise ValueError("date_of_birth must be a real date before served_from")
        return self


class ReferenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: str
    org_code: str
    date_of_birth: date
    retain_until: date = Field(description="The 75th birthday; deleted on that day")
    board_role: SubjectRole
    role_title: str
    served_from: date
    served_to: date
    leaving_reason: LeavingReason
    matters: list[Matter]
    fit_and_proper_concerns: bool
    statement: str | None
    referee_role: str
    written_by: str
    version: int
    created_at: datetime


class ReleaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_org_code: OrgCode = Field(description="The new employer asking for the reference")
    purpose: ReleasePurpose = ReleasePurpose.BOARD_APPOINTMENT


class ReleaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    reference_id: uuid.UUID
    to_org_code: str
    purpose: ReleasePurpose
    released_by: str
    released_at: datetime
