import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from ned.appointments.domain import AppointmentStatus, ExtensionReason, TermEndReason
from ned.boards.domain import AppointingBody, SeatRole
from ned.fppt.schemas import IsoDate

PERSON_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{1,39}$"
ORG_CODE_PATTERN = r"^[A-Za-z0-9]{3,5}$"


class AppointmentCreate(BaseModel):
    """A new term on a seat. It is created ``pending_fppt`` and takes effect only when the
    appointment's fit and proper person test passes."""

    model_config = ConfigDict(extra="forbid")

    org_code: str = Field(pattern=ORG_CODE_PATTERN, examples=["RR8"])
    seat_id: uuid.UUID
    person_id: str = Field(pattern=PERSON_ID_PATTERN, examples=["10234567"])
    term_start: IsoDate
    term_end: IsoDate = Field(description="The last day of the term")


class PastTermCreate(BaseModel):
    """A term served before the system held the board's records, kept for tenure."""

    model_config = ConfigDict(extra="forbid")

    org_code: str = Field(pattern=ORG_CODE_PATTERN, examples=["RR8"])
    seat_id: uuid.UUID
    person_id: str = Field(pattern=PERSON_ID_PATTERN, examples=["10234567"])
    term_start: IsoDate
    term_end: IsoDate
    end_reason_code: TermEndReason = TermEndReason.TERM_EXPIRED


class TermEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ended_on: IsoDate
    reason_code: TermEndReason


class AppointmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_code: str
    seat_id: uuid.UUID
    person_id: str
    seat_role: SeatRole
    status: AppointmentStatus
    term_start: date
    term_end: date
    term_number: int
    appointing_body: AppointingBody
    vacancy_id: uuid.UUID | None
    extension_id: uuid.UUID | None
    historical: bool
    appointed_at: datetime | None
    ended_on: date | None
    end_reason_code: str | None
    version: int


class TenureRead(BaseModel):
    """A board member's tenure on one board up to the end of this appointment's term."""

    appointment_id: uuid.UUID
    org_code: str
    person_id: str
    served_days: int
    served_years: float
    review_clock_days: int = Field(
        description="Service the six-year review counts: from the chair appointment for a NED "
        "who became chair, otherwise all service on the board"
    )
    rigorous_review_required: bool = Field(description="Service beyond six years")
    beyond_nine_years: bool
    extension_id: uuid.UUID | None
    ned_to_chair: bool


class ExtensionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_code: str = Field(pattern=ORG_CODE_PATTERN, examples=["RR8"])
    person_id: str = Field(pattern=PERSON_ID_PATTERN, examples=["10234567"])
    extends_to: IsoDate = Field(description="The last day of service the extension covers")
    reason_code: ExtensionReason


class ExtensionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_code: str
    person_id: str
    extends_to: date
    reason_code: ExtensionReason
    agreed_by: str
    agreed_at: datetime


class ForecastFigures(BaseModel):
    """Active terms ending within 6, 12 and 18 months (cumulative: 12 includes the first 6).
    Seats and their terms are public facts of each board, not figures about a group of people,
    so they are shown exactly."""

    overdue: int = Field(description="Active terms whose planned end has already passed")
    within_6_months: int
    within_12_months: int
    within_18_months: int
    active_terms: int


class BoardForecast(ForecastFigures):
    org_code: str
    name: str
    region_code: str | None


class RegionForecast(ForecastFigures):
    region_code: str
    name: str
    as_of: date
    boards: list[BoardForecast] = Field(
        description="The region's boards with active terms, within the token's reach; the "
        "region's figures are the totals of these boards"
    )


class TermExpiryRun(BaseModel):
    """What one run of the term expiry ended: active terms whose last day had passed."""

    as_of: date = Field(description="The day the run counted from: terms ending before it ended")
    ended: int
    appointment_ids: list[uuid.UUID]
