"""The events appraisals publish (ARCHITECTURE §5): codes and identifiers, never free text.

Nothing of the wellbeing conversation, of local questions' answers or of objectives' wording
leaves the service: consumers get outcomes, scores and aspirations as codes.
"""

import uuid
from datetime import date, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from appraisal.appraisals.domain import (
    AppraisalKind,
    AspirationTimeframe,
    BehaviourFrequency,
    BehaviourOutcome,
    BoardRole,
    GrowthAmbition,
    GrowthDirection,
    ImpactRating,
    Mobility,
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

    impact: ImpactRating | None = None
    growth_ambition: GrowthAmbition | None = None
    direction: GrowthDirection
    target_level: TargetLevel | None
    timeframe: AspirationTimeframe
    mobility: Mobility
    challenged_organisation_interest: bool


class BehaviourScorePayload(BaseModel):
    """One NHS value (staff) or LCF domain (board) and how often it was shown."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="An NHS value code or an LCF domain code (lcf_*)")
    score: BehaviourFrequency


class AppraisalCompleted(Event):
    """An appraisal was signed off by both parties: outcomes, behaviour scores, aspirations.

    A reopened appraisal that completes again publishes a new event for the same
    ``appraisal_id``; the later ``completed_at`` supersedes the earlier one.
    """

    event_name: ClassVar[str] = "appraisal.completed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "appraisals/{appraisal_id}"

    appraisal_id: uuid.UUID
    person_id: str = Field(pattern=PERSON_ID_PATTERN)
    org_code: str = Field(pattern=ORG_CODE_PATTERN)
    kind: AppraisalKind = Field(description="staff, or board for a board-member appraisal")
    band: str | None = Field(description="AfC band (or VSM, medical) when completed, if known")
    board_role: BoardRole | None = Field(description="Set for board-member appraisals")
    band_or_role: str | None = Field(
        description="The board role for a board appraisal, otherwise the band"
    )
    cycle_year: int = Field(description="First year of the cycle: 2026 is 2026/27")
    cycle_start: date = Field(description="1 April of cycle_year")
    template_version: str
    performance_outcome: PerformanceOutcome
    behaviour_outcome: BehaviourOutcome
    behaviour_framework: str = Field(description="nhs_values (staff) or lcf_2024 (board)")
    behaviour_scores: list[BehaviourScorePayload]
    aspirations: CareerAspirationsPayload
    development_programme_codes: list[str]
    edi_objective_set: bool
    appraisee_disagreement_recorded: bool = Field(
        description="A NED disagreed at sign-off; the chair's assessment stands"
    )
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
    kind: AppraisalKind
    cycle_year: int
    reason_code: ReopenReason
    reopened_at: datetime
