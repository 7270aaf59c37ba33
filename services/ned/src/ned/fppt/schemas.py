import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ned.fppt.domain import (
    AssessmentKind,
    AssessmentStatus,
    CheckResult,
    FpptCheck,
    LcfDomain,
    MemberStatus,
    Outcome,
    SignOffRole,
    SubjectRole,
)


def _calendar_date(value: Any) -> Any:
    # Lax parsing would take 0 or "0" for 1 January 1970; a date is written out in full.
    if not isinstance(value, date) and not (
        isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)
    ):
        raise ValueError("a date written YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_calendar_date)]
PersonId = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,20}$", examples=["10042"])]
OrgCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])]
Year = Annotated[int, Field(ge=2023, le=2100, description="Financial year: 2026 is 2026/27")]


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    check: FpptCheck
    result: CheckResult
    checked_on: IsoDate
    evidence_location: str = Field(
        min_length=1,
        max_length=300,
        description="Where the evidence is kept (e.g. the HR file reference); never the evidence",
    )
    years_covered: int | None = Field(
        default=None, ge=0, le=60, description="References: years of employment they cover"
    )


def _unique_checks(checks: list[CheckIn] | None) -> None:
    if checks is not None and len({c.check for c in checks}) != len(checks):
        raise ValueError("each check may appear once")


class AssessmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: PersonId
    org_code: OrgCode
    kind: AssessmentKind
    subject_role: SubjectRole
    appointment_id: uuid.UUID | None = Field(
        default=None, description="The pending appointment this test is for (appointment tests)"
    )
    year: Year | None = Field(default=None, description="Annual tests: the financial year")
    checks: list[CheckIn] = Field(default_factory=list, max_length=len(FpptCheck))
    attested_lcf_domains: list[LcfDomain] = Field(default_factory=list, max_length=6)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _unique_checks(self.checks)
        if self.kind is AssessmentKind.APPOINTMENT and self.appointment_id is None:
            raise ValueError("an appointment test names its appointment_id")
        if self.kind is AssessmentKind.ANNUAL and self.year is None:
            raise ValueError("an annual test names its year")
        if self.kind is AssessmentKind.ANNUAL and self.appointment_id is not None:
            raise ValueError("an annual test is not tied to an appointment")
        return self


class AssessmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checks: list[CheckIn] | None = Field(default=None, max_length=len(FpptCheck))
    attested_lcf_domains: list[LcfDomain] | None = Field(default=None, max_length=6)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _unique_checks(self.checks)
        return self


class SignOff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signed_off_by: PersonId = Field(description="Person number of who signs the test off")
    signed_off_by_role: SignOffRole


class CheckRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    check: FpptCheck
    result: CheckResult
    checked_on: date
    evidence_location: str
    years_covered: int | None


class AssessmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: str
    org_code: str
    kind: AssessmentKind
    subject_role: SubjectRole
    appointment_id: uuid.UUID | None
    year: int | None
    status: AssessmentStatus
    outcome: Outcome | None
    reasons: list[str]
    attested_lcf_domains: list[LcfDomain]
    checks: list[CheckRead]
    signed_off_by: str | None
    signed_off_by_role: SignOffRole | None
    assessed_at: datetime | None
    version: int
    created_at: datetime


class PolicyRead(BaseModel):
    org_code: str
    appointment_checks: list[FpptCheck]
    annual_checks: list[FpptCheck]
    is_default: bool
    version: int


class PolicyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    appointment_checks: list[FpptCheck] = Field(min_length=1, max_length=len(FpptCheck))
    annual_checks: list[FpptCheck] = Field(min_length=1, max_length=len(FpptCheck))


class SubmissionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_code: OrgCode
    year: Year


class SubmissionMember(BaseModel):
    person_id: str
    seat_role: str
    status: MemberStatus
    assessment_id: uuid.UUID | None
    signed_off_by_role: SignOffRole | None


class SubmissionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_code: str
    region_code: str = Field(description="The NHS England region whose director receives it")
    year: int
    submitted_by: str
    submitted_at: datetime
    members: list[SubmissionMember]


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    at: datetime
    subject: str = Field(description="Who read or released the record (the token subject)")
    action: str
    record_type: str
    record_id: uuid.UUID | None
    org_code: str | None
