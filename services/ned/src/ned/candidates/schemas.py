import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ned.candidates.domain import (
    ETHNIC_CATEGORY_PATTERN,
    Disability,
    LcfRating,
    Programme,
    ProgrammeStatus,
    Sector,
    Sex,
    Skill,
)
from ned.fppt.schemas import IsoDate

PERSON_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{1,39}$"
RegionCode = Annotated[str, StringConstraints(pattern=r"^Y[0-9]{2}$")]


class ProgrammeMembership(BaseModel):
    model_config = ConfigDict(extra="forbid")

    programme: Programme
    status: ProgrammeStatus
    started_on: IsoDate | None = None
    ended_on: IsoDate | None = None
    host_org_code: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9]{3,5}$",
        description="NExT Director: the trust hosting the placement",
    )


class CandidateFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skills: list[Skill] = Field(default_factory=list, max_length=len(Skill))
    sector_expertise: list[Sector] = Field(default_factory=list, max_length=len(Sector))
    lcf_self_assessment: dict[str, LcfRating] = Field(
        description="A rating for each of the six LCF domains (LCF-2024-D1 .. LCF-2024-D6)",
        examples=[{f"LCF-2024-D{n}": "often" for n in range(1, 7)}],
    )
    lcf_assessed_on: IsoDate | None = None
    available_from: IsoDate | None = None
    days_per_month: int | None = Field(default=None, ge=1, le=31)
    regional_preferences: list[RegionCode] = Field(
        default_factory=list, max_length=7, description="NHS England region codes (Y56 ...)"
    )
    programmes: list[ProgrammeMembership] = Field(default_factory=list, max_length=10)


class CandidateCreate(CandidateFields):
    person_id: str = Field(pattern=PERSON_ID_PATTERN, examples=["10234567"])
    org_code: str = Field(
        pattern=r"^[A-Za-z0-9]{3,5}$",
        description="The organisation or NHS England region whose talent function holds the record",
        examples=["Y63"],
    )


class CandidateUpdate(CandidateFields):
    """The whole of the candidate's pool record (person and holder do not change)."""


class CandidateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: str
    org_code: str
    skills: list[Skill]
    sector_expertise: list[Sector]
    lcf_self_assessment: dict[str, LcfRating]
    lcf_assessed_on: date | None
    available_from: date | None
    days_per_month: int | None
    regional_preferences: list[str]
    programmes: list[ProgrammeMembership]
    version: int


class ProtectedCharacteristicsIn(BaseModel):
    """Self-declared; each may be declined (``not_declared``)."""

    model_config = ConfigDict(extra="forbid")

    sex: Sex | None = None
    ethnic_category: str | None = Field(
        default=None,
        pattern=ETHNIC_CATEGORY_PATTERN,
        description="NHS Data Dictionary ethnic category (A..S, Z not stated, 99 not known)",
    )
    disability: Disability | None = None


class ProtectedCharacteristicsRead(ProtectedCharacteristicsIn):
    model_config = ConfigDict(from_attributes=True)

    candidate_id: uuid.UUID
    version: int


class AccessEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    subject: str
    action: str
    record_type: str
    record_id: uuid.UUID | None
    at: datetime
