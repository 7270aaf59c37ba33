import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from shared.reference.organisations import OrgType


def _not_a_number() -> float:
    raise ValueError("a number")


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _calendar_date(value: Any) -> Any:
    # Lax parsing would read 0 or "0" as 1 January 1970: a date is written out in full.
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return value
    raise ValueError("a date written YYYY-MM-DD")


# Dates, whole numbers and flags exactly as JSON writes them: no 0 for a date, no "5" or 5.5
# for a count, no "yes" or 1 for a flag.
IsoDate = Annotated[date, BeforeValidator(_calendar_date)]
StrictInt = Annotated[int, Field(strict=True)]
StrictBool = Annotated[bool, Field(strict=True)]
StrictNumber = Annotated[
    float,
    BeforeValidator(
        lambda v: v if not isinstance(v, bool) and isinstance(v, int | float) else _not_a_number()
    ),
]

ORG_CODE_PATTERN = r"^[A-Z0-9]{3,5}$"
OrgCode = Annotated[str, BeforeValidator(_upper), Field(pattern=ORG_CODE_PATTERN, examples=["RR8"])]
ReasonCode = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,60}$", examples=["nof_quarterly_review"])]


class OrganisationRead(BaseModel):
    ods_code: str
    name: str
    org_type: OrgType
    region_code: str | None
    icb_code: str | None = Field(description="The ICB the organisation belongs to today")
    segment: int | None = Field(description="Current NHS Oversight Framework segment (1-5)")
    segment_effective_from: date | None
    challenged: bool
    version: int


class SegmentChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    segment: StrictInt = Field(ge=1, le=5, description="1-4, or 5 for intensive support")
    effective_from: IsoDate
    reason_code: ReasonCode | None = None


class SegmentHistoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_code: str
    segment: int
    previous_segment: int | None
    effective_from: date
    reason_code: str | None
    recorded_at: datetime


class MembershipChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    icb_code: OrgCode
    effective_from: IsoDate


class MembershipRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_code: str
    icb_code: str
    effective_from: date
    effective_to: date | None
