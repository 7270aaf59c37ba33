import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from talent.organisations.schemas import IsoDate, StrictBool, StrictInt
from talent.placements.domain import PlacementAction, PlacementOutcome, PlacementStatus


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


OrgCode = Annotated[
    str, BeforeValidator(_upper), Field(pattern=r"^[A-Z0-9]{3,5}$", examples=["RR8"])
]
PersonId = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,20}$", examples=["10234567"])]
Level = Annotated[
    str, Field(pattern=r"^(first_line|middle|senior|executive|board)$", examples=["executive"])
]
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")]


class RoleCreate(BaseModel):
    """A role at a challenged organisation and its incentive and support package."""

    model_config = ConfigDict(extra="forbid")

    org_code: OrgCode
    title: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    level: Level
    package_code: Code = Field(examples=["CHALLENGED-EXEC-2026"])
    relocation_support: StrictBool
    pay_minimum: StrictInt = Field(
        ge=0, le=1_000_000, description="Annual salary, £, VSM framework"
    )
    pay_maximum: StrictInt = Field(ge=0, le=1_000_000)
    pay_approval_reference: Code | None = Field(
        default=None, description="NHS England approval, needed above £170,000 at a trust"
    )
    protected_development_days: StrictInt = Field(ge=0, le=60, description="Days a year")
    mentor: StrictBool
    peer_network: StrictBool
    coach: StrictBool
    improvement_time_months: StrictInt = Field(ge=0, le=60)
    improvement_plan_peer_review: StrictBool
    peer_reviewer_org_code: OrgCode | None = None


class RoleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_code: str
    title: str
    level: str
    status: str
    package_code: str
    relocation_support: bool
    pay_minimum: int
    pay_maximum: int
    pay_approval_reference: str | None
    protected_development_days: int
    mentor: bool
    peer_network: bool
    coach: bool
    improvement_time_months: int
    improvement_plan_peer_review: bool
    peer_reviewer_org_code: str | None
    version: int
    created_at: datetime


class FactorRead(BaseModel):
    factor: str
    score: float
    weight: float
    reason_code: str
    explanation: str


class MatchRead(BaseModel):
    rank: int
    person_id: str
    org_code: str | None
    score: float
    fits: bool
    excluded_because: list[str]
    factors: list[FactorRead]


class MatchList(BaseModel):
    role_id: uuid.UUID
    items: list[MatchRead]


class OfferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: PersonId
    start_date: IsoDate | None = None


class PlacementTransition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: PlacementAction
    start_date: IsoDate | None = None
    outcome_code: PlacementOutcome | None = Field(default=None, description="Needed to complete")
    reason_code: Code | None = Field(default=None, description="Why an offer was declined")


class PlacementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    role_id: uuid.UUID
    org_code: str
    person_id: str
    home_org_code: str | None
    status: PlacementStatus
    match: dict[str, Any] | None
    start_date: date | None
    offered_at: datetime
    accepted_at: datetime | None
    declined_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    outcome_code: str | None
    decline_reason_code: str | None
    version: int
