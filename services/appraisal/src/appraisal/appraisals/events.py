"""The events appraisals publish (ARCHITECTURE §5): codes and identifiers, never free text."""

import uuid
from datetime import date, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from appraisal.appraisals.domain import (
    AspirationTimeframe,
    BehaviourFrequency,
    BehaviourOutcome,
    BoardRole,
    GrowthDirection,
    Mobility,
    NhsValue,
    PerformanceOutcome,
    ReopenReason,
    TargetLevel,
)
from shared.events.model import Event

PERSON_ID_PATTERN = r"^[A-Za-z0-9-]{1,20}$"
ORG_CODE_PATTERN = r"^[A-Z0-9]{3,5}$"


class CareerAspirationsPayload(BaseModel):
    """The Scope for Growth outcome, as codes."""

    model_config = ConfigDict(frozen=True)

    direction: GrowthDirection
    target_level: TargetLevel | None
    timeframe: AspirationTimeframe
    mobility: Mobility
    challenged_organisation_interest: bool


class AppraisalCompleted(Event):
    """An appraisal was signed off: its outcomes, behaviour scores and career aspirations.

    A reopened appraisal that completes again publishes a new event for the same
    ``appraisal_id``; the later ``completed_at`` supersedes the earlier one.
    """

    event_name: ClassVar[str] = "appraisal.completed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "appraisals/{appraisal_id}"

    appraisal_id: uuid.UUID
    person_id: str = Field(pattern=PERSON_ID_PATTERN)
    org_code: str = Field(pattern=ORG_CODE_PATTERN)
    band: str | None = Field(description="AfC band (or VSM, medical) when completed, if known")
    board_role: BoardRole | None = Field(description="Set for board-member appraisals")
    cycle_year: int = Field(description="First year of the cycle: 2026 is 2026/27")
    cycle_start: date = Field(description="1 April of cycle_year")
    template_version: str
    performance_outcome: PerformanceOutcome
    behaviour_outcome: BehaviourOutcome
    behaviour_scores: dict[NhsValue, BehaviourFrequency]
    aspirations: CareerAspirationsPayload
    development_programme_codes: list[str]
    edi_objective_set: bool
    appraiser_id: str = Field(pattern=PERSON_ID_PATTERN)
    completed_at: datetime


class AppraisalReopened(Event):
    """A completed appraisal was reopened; its last completed event no longer stands."""

    event_name: ClassVar[str] = "appraisal.reopened"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "appraisals/{appraisal_id}"

    appraisal_id: uuid.UUID
    person_id: str = Field(pattern=PERSON_ID_PATTERN)
    org_code: str = Field(pattern=ORG_CODE_PATTERN)
    cycle_year: int
    reason_code: ReopenReason
    reopened_at: datetime
