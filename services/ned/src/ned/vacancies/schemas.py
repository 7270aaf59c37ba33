import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ned.boards.domain import AppointingBody, SeatRole
from ned.fppt.schemas import IsoDate
from ned.vacancies.domain import LCF_DOMAINS, ApplicationStage, CampaignStage, VacancyReason

ORG_CODE_PATTERN = r"^[A-Za-z0-9]{3,5}$"


class VacancyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_code: str = Field(pattern=ORG_CODE_PATTERN, examples=["RJ1"])
    seat_id: uuid.UUID
    reason: VacancyReason
    role_description: str = Field(min_length=1, max_length=20_000)
    lcf_domains: list[str] = Field(
        min_length=1,
        max_length=12,
        description="The LCF domains the role description covers: all six are required",
        examples=[list(LCF_DOMAINS)],
    )
    closing_date: IsoDate
    sift_date: IsoDate | None = None
    interview_date: IsoDate | None = None
    decision_date: IsoDate | None = None


class VacancyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_code: str
    seat_id: uuid.UUID
    seat_role: SeatRole
    reason: VacancyReason
    appointing_body: AppointingBody
    nhse_assistance_requested_at: datetime | None
    role_description: str
    lcf_domains: list[str]
    stage: CampaignStage
    opened_at: datetime
    closing_date: date
    sift_date: date | None
    interview_date: date | None
    decision_date: date | None
    version: int


class CampaignMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Literal["closed", "sift", "interview", "decision", "withdrawn"]


class ApplicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    candidate_id: uuid.UUID


class ApplicationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    vacancy_id: uuid.UUID
    candidate_id: uuid.UUID
    person_id: str
    org_code: str
    stage: ApplicationStage
    appointment_id: uuid.UUID | None
    version: int


class ApplicationStep(BaseModel):
    """The next step of an application. ``appointed`` needs the term and creates the
    appointment, pending its fit and proper person test."""

    model_config = ConfigDict(extra="forbid")

    to: Literal[
        "longlisted",
        "shortlisted",
        "interviewed",
        "recommended",
        "appointed",
        "rejected",
        "withdrawn",
    ]
    term_start: IsoDate | None = None
    term_end: IsoDate | None = None


class CampaignStepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    vacancy_id: uuid.UUID
    application_id: uuid.UUID | None
    action: str
    from_stage: str | None
    to_stage: str
    actor: str
    acting_body: str
    at: datetime


class DiversityGroup(BaseModel):
    group: str
    applicants: int | None = Field(description="Rounded count; null when suppressed")
    shortlisted: int | None
    suppressed: bool
    shortlisting_rate: float | None = Field(
        description="Percent of the group's applicants shortlisted, from the rounded counts; "
        "null when suppressed or undefined"
    )


class DiversityDimension(BaseModel):
    dimension: Literal["sex", "ethnicity", "disability"]
    groups: list[DiversityGroup]


class ShortlistDiversity(BaseModel):
    """The shortlist against the applicant pool, after disclosure control (counts of 1-7
    suppressed, others rounded to 5, one further cell hidden where a lone suppressed one could
    be recovered from the total)."""

    vacancy_id: uuid.UUID
    applicants_total: int | None
    shortlisted_total: int | None
    dimensions: list[DiversityDimension]
