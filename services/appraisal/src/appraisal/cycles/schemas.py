"""The HTTP shapes of appraisal cycles."""

import uuid
from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from appraisal.cycles.domain import MemberStatus
from appraisal.cycles.models import AppraisalCycle, CycleMember
from appraisal.templates.domain import AppraisalKind

FIRST_CYCLE_YEAR = 2019


class CycleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    org_code: str = Field(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])
    cycle_year: int = Field(
        ge=FIRST_CYCLE_YEAR, le=2100, description="First year: 2026 means 2026/27"
    )
    kind: AppraisalKind = AppraisalKind.STAFF
    window_opens: date | None = Field(default=None, description="Default: by kind, see docs")
    window_closes: date | None = None
    completion_deadline: date | None = Field(
        default=None, description="The organisation's own deadline; default the window's close"
    )

    @field_validator("org_code")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class CyclePatch(BaseModel):
    """The organisation's own window and deadline; NHS England's deadlines are not editable."""

    model_config = ConfigDict(extra="forbid")

    window_opens: date | None = None
    window_closes: date | None = None
    completion_deadline: date | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class CycleRead(BaseModel):
    id: uuid.UUID
    org_code: str
    cycle_year: int
    cycle_label: str = Field(examples=["2026/27"])
    kind: AppraisalKind
    window_opens: date
    window_closes: date
    completion_deadline: date
    chair_submission_deadline: date | None = Field(
        description="NHS England's deadline for chairs' appraisals (NHS trusts and ICBs)"
    )
    ned_submission_deadline: date | None = Field(
        description="NHS England's deadline for NEDs' appraisals (NHS trusts and ICBs)"
    )
    held_locally: bool = Field(description="Board appraisals kept locally (foundation trusts)")
    population_active: int
    version: int
    created_at: datetime

    @classmethod
    def from_model(cls, cycle: AppraisalCycle, population_active: int) -> Self:
        return cls(
            id=cycle.id,
            org_code=cycle.org_code,
            cycle_year=cycle.cycle_year,
            cycle_label=f"{cycle.cycle_year}/{(cycle.cycle_year + 1) % 100:02d}",
            kind=AppraisalKind(cycle.kind),
            window_opens=cycle.window_opens,
            window_closes=cycle.window_closes,
            completion_deadline=cycle.completion_deadline,
            chair_submission_deadline=cycle.chair_submission_deadline,
            ned_submission_deadline=cycle.ned_submission_deadline,
            held_locally=cycle.held_locally,
            population_active=population_active,
            version=cycle.version,
            created_at=cycle.created_at,
        )


class MemberRead(BaseModel):
    cycle_id: uuid.UUID
    person_id: str
    status: MemberStatus
    joined_on: date
    left_on: date | None

    @classmethod
    def from_model(cls, member: CycleMember) -> Self:
        return cls(
            cycle_id=member.cycle_id,
            person_id=member.person_id,
            status=MemberStatus(member.status),
            joined_on=member.joined_on,
            left_on=member.left_on,
        )
