import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from talent.edi.domain import Direction, GoalStatus
from talent.indicators.domain import INDICATOR_CODES
from talent.organisations.schemas import IsoDate, StrictBool, StrictNumber


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


OrgCode = Annotated[
    str, BeforeValidator(_upper), Field(pattern=r"^[A-Z0-9]{3,5}$", examples=["RR8"])
]


class GoalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_code: OrgCode
    indicator_code: str = Field(examples=["rl_non_mandatory_training_ethnicity"])
    direction: Direction
    target: StrictNumber = Field(ge=0, le=1000, allow_inf_nan=False)
    deadline: IsoDate

    @field_validator("indicator_code")
    @classmethod
    def _known_indicator(cls, value: str) -> str:
        if value not in INDICATOR_CODES:
            raise ValueError(f"unknown indicator; one of: {', '.join(INDICATOR_CODES)}")
        return value


class GoalPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: StrictNumber | None = Field(default=None, ge=0, le=1000, allow_inf_nan=False)
    deadline: IsoDate | None = None
    withdrawn: StrictBool | None = None


class GoalRead(BaseModel):
    id: uuid.UUID
    org_code: str
    region_code: str | None
    indicator_code: str
    direction: Direction
    target: float
    baseline: float | None
    deadline: date
    current_value: float | None = Field(description="From the organisation's indicators now")
    progress_pct: float | None
    status: GoalStatus
    version: int
    created_at: datetime


class ProtectedCharacteristicsRead(BaseModel):
    """Record-level special-category data: only with ``edi:read``, and every read is audited."""

    person_id: str
    org_code: str
    ethnic_category: str | None
    wres_group: str
    disability: str | None
    sex: str | None


class AccessAuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject: str
    person_id: str
    org_code: str | None
    purpose: str
    accessed_at: datetime
