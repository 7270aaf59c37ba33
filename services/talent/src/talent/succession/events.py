"""Events the succession plans publish, for ICS and regional platforms."""

import uuid
from datetime import date, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.events.model import Event
from talent.succession.domain import Level, PlanRisk, Readiness


class ReadinessTransition(BaseModel):
    model_config = ConfigDict(frozen=True)

    old: Readiness | None = Field(description="None when the candidate was just added")
    new: Readiness


class ReadinessReasons(BaseModel):
    model_config = ConfigDict(frozen=True)

    met: list[str] = Field(description="Rule ids of the readiness policy that are met")
    unmet: list[str] = Field(description="Rule ids that are not met")


class ReadinessChanged(Event):
    """A succession candidate's readiness for a post changed (evidence, override or expiry)."""

    event_name: ClassVar[str] = "readiness.changed"
    key_field: ClassVar[str] = "person_id"
    # Names the candidacy, never the person (CloudEvents headers carry no personal data).
    subject_template: ClassVar[str] = "succession-candidates/{candidate_id}"

    candidate_id: uuid.UUID
    plan_id: uuid.UUID
    post_id: uuid.UUID
    org_code: str = Field(pattern=r"^[A-Z0-9]{3,5}$")
    level: Level
    person_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,20}$")
    readiness: ReadinessTransition
    reasons: ReadinessReasons
    overridden: bool = Field(description="The readiness is a talent lead's override")
    policy_version: str
    as_of: datetime


class BenchStrengthCounts(BaseModel):
    model_config = ConfigDict(frozen=True)

    ready_now: int = Field(ge=0)
    ready_1_2_years: int = Field(ge=0)
    ready_3_plus_years: int = Field(ge=0)
    not_ready: int = Field(ge=0)
    total: int = Field(ge=0)


class SuccessionPlanUpdated(Event):
    """A succession plan's bench strength or risks changed."""

    event_name: ClassVar[str] = "succession.plan.updated"
    key_field: ClassVar[str] = "org_code"
    subject_template: ClassVar[str] = "succession-plans/{plan_id}"

    plan_id: uuid.UUID
    post_id: uuid.UUID
    org_code: str = Field(pattern=r"^[A-Z0-9]{3,5}$")
    level: Level
    bench_strength: BenchStrengthCounts
    risks: list[PlanRisk]
    expected_vacancy_date: date | None = None
    as_of: datetime
