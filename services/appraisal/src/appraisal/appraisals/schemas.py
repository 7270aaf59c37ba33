"""The HTTP shapes of appraisals. Pydantic does the validating: lengths, patterns, enums."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from appraisal.appraisals import domain
from appraisal.appraisals.domain import (
    AppraisalKind,
    AppraisalStatus,
    AspirationTimeframe,
    BehaviourFrequency,
    BehaviourOutcome,
    BoardRole,
    CancelReason,
    GrowthAmbition,
    GrowthDirection,
    ImpactRating,
    Mobility,
    Move,
    PerformanceOutcome,
    ReopenReason,
    TargetLevel,
)
from appraisal.appraisals.models import Appraisal, StatusChange
from appraisal.credentials.domain import CREDENTIAL_RULE
from appraisal.cycles import domain as cycle_domain

PersonId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{1,20}$"),
    Field(description="The employer HR system's person number (e.g. ESR)", examples=["10293847"]),
]
OrgCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9]{3,5}$"),
    Field(description="ODS code of the employing organisation", examples=["RR8"]),
]
ProgrammeCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$"),
    Field(examples=["MARY-SEACOLE"]),
]
TemplateVersion = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{4}\.[0-9]{1,3}$"),
    Field(examples=[domain.DEFAULT_TEMPLATE_VERSION]),
]
CycleYear = Annotated[
    int,
    Field(
        ge=domain.FIRST_CYCLE_YEAR,
        le=2100,
        description="First year of the cycle: 2026 means 2026/27",
        examples=[2026],
    ),
]
# Free text may hold line breaks and tabs but no other control characters: PostgreSQL refuses
# NUL in text, and the rest have no place in an appraisal record.
_NO_CONTROL_CHARACTERS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Title = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
LongText = Annotated[str, Field(max_length=2000, pattern=_NO_CONTROL_CHARACTERS)]

BehaviourCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{2,39}$")]
LocalCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{2,39}$")]
LocalAnswer = Annotated[str, Field(max_length=2000, pattern=_NO_CONTROL_CHARACTERS)] | bool

E = TypeVar("E", bound=StrEnum)

MAX_OBJECTIVES = 20
MAX_PROGRAMMES = 20


class _Input(BaseModel):
    # Unknown fields are refused so a misspelt field is an error, not silently dropped.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ObjectiveIn(_Input):
    title: Title
    success_criteria: LongText | None = None
    weight: int = Field(ge=0, le=100, description="Share of the objectives, in percent")
    progress: int | None = Field(default=None, ge=0, le=100, description="Percent achieved")
    outcome: PerformanceOutcome | None = None
    is_edi_objective: bool = Field(
        default=False, description="An equality, diversity and inclusion objective"
    )


class ObjectiveRead(BaseModel):
    id: uuid.UUID
    title: str
    success_criteria: str | None
    weight: int
    progress: int | None
    outcome: PerformanceOutcome | None
    is_edi_objective: bool


class AspirationsIn(_Input):
    impact: ImpactRating | None = Field(default=None, description="Scope for Growth: impact")
    growth_ambition: GrowthAmbition | None = Field(
        default=None, description="Scope for Growth: the person's own growth ambition"
    )
    direction: GrowthDirection
    target_level: TargetLevel | None = None
    timeframe: AspirationTimeframe
    mobility: Mobility
    challenged_organisation_interest: bool = Field(
        description="Open to a role in a challenged organisation (Messenger recommendation 7)"
    )


class AspirationsRead(BaseModel):
    impact: ImpactRating | None
    growth_ambition: GrowthAmbition | None
    direction: GrowthDirection
    target_level: TargetLevel | None
    timeframe: AspirationTimeframe
    mobility: Mobility
    challenged_organisation_interest: bool


class AppraisalCreate(_Input):
    person_id: PersonId
    org_code: OrgCode | None = Field(
        default=None, description="Optional when the person is known from the people directory"
    )
    appraiser_id: PersonId
    cycle_year: CycleYear
    template_version: TemplateVersion = domain.DEFAULT_TEMPLATE_VERSION
    board_role: BoardRole | None = Field(
        default=None, description="Set for a board-member appraisal (the board variant)"
    )
    cycle_id: uuid.UUID | None = Field(
        default=None,
        description="The cycle; by default the organisation's cycle of that year and kind",
    )

    @field_validator("org_code")
    @classmethod
    def _upper_org(cls, value: str | None) -> str | None:
        return value.upper() if value is not None else None


class AppraisalPatch(_Input):
    """The content to change. Only the fields sent change; ``null`` clears a field."""

    appraiser_id: PersonId | None = None
    objectives: list[ObjectiveIn] | None = Field(default=None, max_length=MAX_OBJECTIVES)
    performance_outcome: PerformanceOutcome | None = None
    behaviour_outcome: BehaviourOutcome | None = None
    behaviour_scores: dict[BehaviourCode, BehaviourFrequency] | None = Field(
        default=None,
        description="Each NHS value (staff) or LCF domain (board) rated on the frequency scale",
        max_length=12,
    )
    aspirations: AspirationsIn | None = None
    development_programme_codes: list[ProgrammeCode] | None = Field(
        default=None, max_length=MAX_PROGRAMMES
    )
    wellbeing_conversation_held: bool | None = Field(
        default=None, description="Only that it was held: the conversation itself stays private"
    )
    fppt_assessed_on: date | None = Field(
        default=None, description="Board members: date of the last FPPT assessment"
    )
    local_answers: dict[LocalCode, LocalAnswer] | None = Field(
        default=None, description="Answers to the organisation's local questions, by code"
    )

    @field_validator("development_programme_codes")
    @classmethod
    def _unique_programmes(cls, codes: list[str] | None) -> list[str] | None:
        if codes is None:
            return None
        upper = [code.upper() for code in codes]
        if len(set(upper)) != len(upper):
            raise ValueError("development programme codes must not repeat")
        return upper

    @model_validator(mode="after")
    def _meaningful(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        for name in ("appraiser_id", "wellbeing_conversation_held"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class AppraiseeView(_Input):
    performance_outcome: PerformanceOutcome | None = None
    behaviour_outcome: BehaviourOutcome | None = None


class TransitionRequest(_Input):
    to: Move = Field(examples=[Move.COMPLETED])
    reason_code: ReopenReason | None = Field(
        default=None, description="Required when reopening, refused otherwise"
    )
    cancel_reason: CancelReason | None = Field(
        default=None, description="Required when cancelling, refused otherwise"
    )
    appraisee_agrees: bool = Field(
        default=True,
        description="On the appraisee's signature: false records a NED's disagreement (the "
        "chair's assessment stands); anyone else returns to the meeting instead",
    )
    appraisee_view: AppraiseeView | None = Field(
        default=None, description="The NED's own view of the outcomes, when disagreeing"
    )

    @model_validator(mode="after")
    def _view_needs_disagreement(self) -> Self:
        if self.appraisee_view is not None and self.appraisee_agrees:
            raise ValueError("appraisee_view is recorded only with appraisee_agrees false")
        return self


class Warning(BaseModel):
    rule: str
    message: str


class Disagreement(BaseModel):
    recorded: bool
    performance_outcome: PerformanceOutcome | None
    behaviour_outcome: BehaviourOutcome | None


class AppraisalRead(BaseModel):
    id: uuid.UUID
    person_id: str
    org_code: str
    appraiser_id: str
    cycle_year: int
    cycle_label: str = Field(examples=["2026/27"])
    template_version: str
    kind: AppraisalKind
    cycle_id: uuid.UUID | None
    due_by: date | None = Field(
        description="From the cycle: NHS England's deadline for a chair's or NED's appraisal "
        "in NHS trusts and ICBs, otherwise the organisation's completion deadline"
    )
    board_role: BoardRole | None
    band: str | None = Field(description="The person's band when the appraisal was completed")
    status: AppraisalStatus
    allowed_transitions: list[Move]
    objectives: list[ObjectiveRead]
    performance_outcome: PerformanceOutcome | None
    behaviour_outcome: BehaviourOutcome | None
    behaviour_scores: dict[str, BehaviourFrequency]
    aspirations: AspirationsRead | None
    development_programme_codes: list[str]
    wellbeing_conversation_held: bool
    fppt_assessed_on: date | None
    local_answers: dict[str, str | bool]
    appraiser_credentialed: bool | None = Field(
        description="Whether the appraiser held the appraisal-skills credential when checked"
    )
    warnings: list[Warning]
    appraisee_signed_at: datetime | None
    appraiser_signed_at: datetime | None
    appraisee_disagreement: Disagreement | None
    reopen_reason: ReopenReason | None
    cancel_reason: CancelReason | None
    version: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    reopened_at: datetime | None
    cancelled_at: datetime | None

    @classmethod
    def from_model(cls, appraisal: Appraisal) -> Self:
        status = AppraisalStatus(appraisal.status)
        aspirations = appraisal.aspirations
        return cls(
            id=appraisal.id,
            person_id=appraisal.person_id,
            org_code=appraisal.org_code,
            appraiser_id=appraisal.appraiser_id,
            cycle_year=appraisal.cycle_year,
            cycle_label=domain.cycle_label(appraisal.cycle_year),
            template_version=appraisal.template_version,
            kind=AppraisalKind(appraisal.kind),
            cycle_id=appraisal.cycle_id,
            due_by=None
            if appraisal.cycle is None
            else cycle_domain.due_by(
                kind=AppraisalKind(appraisal.kind),
                board_role=appraisal.board_role,
                completion_deadline=appraisal.cycle.completion_deadline,
                chair_submission_deadline=appraisal.cycle.chair_submission_deadline,
                ned_submission_deadline=appraisal.cycle.ned_submission_deadline,
            ),
            board_role=_enum(BoardRole, appraisal.board_role),
            band=appraisal.band,
            status=status,
            allowed_transitions=sorted(domain.allowed_moves(status)),
            objectives=[
                ObjectiveRead(
                    id=objective.id,
                    title=objective.title,
                    success_criteria=objective.success_criteria,
                    weight=objective.weight,
                    progress=objective.progress,
                    outcome=_enum(PerformanceOutcome, objective.outcome),
                    is_edi_objective=objective.is_edi,
                )
                for objective in appraisal.objectives
            ],
            performance_outcome=_enum(PerformanceOutcome, appraisal.performance_outcome),
            behaviour_outcome=_enum(BehaviourOutcome, appraisal.behaviour_outcome),
            behaviour_scores={
                score.value_code: BehaviourFrequency(score.rating)
                for score in sorted(appraisal.behaviour_scores, key=lambda s: s.value_code)
            },
            aspirations=None
            if aspirations is None
            else AspirationsRead(
                impact=_enum(ImpactRating, aspirations.impact),
                growth_ambition=_enum(GrowthAmbition, aspirations.growth_ambition),
                direction=GrowthDirection(aspirations.direction),
                target_level=_enum(TargetLevel, aspirations.target_level),
                timeframe=AspirationTimeframe(aspirations.timeframe),
                mobility=Mobility(aspirations.mobility),
                challenged_organisation_interest=aspirations.challenged_organisation_interest,
            ),
            development_programme_codes=list(appraisal.development_programme_codes),
            wellbeing_conversation_held=appraisal.wellbeing_conversation_held,
            fppt_assessed_on=appraisal.fppt_assessed_on,
            local_answers=dict(appraisal.local_answers or {}),
            appraiser_credentialed=appraisal.appraiser_credentialed,
            warnings=_warnings(appraisal),
            appraisee_signed_at=appraisal.appraisee_signed_at,
            appraiser_signed_at=appraisal.appraiser_signed_at,
            appraisee_disagreement=Disagreement(
                recorded=True,
                performance_outcome=_enum(PerformanceOutcome, appraisal.appraisee_view_performance),
                behaviour_outcome=_enum(BehaviourOutcome, appraisal.appraisee_view_behaviour),
            )
            if appraisal.appraisee_disagrees
            else None,
            reopen_reason=_enum(ReopenReason, appraisal.reopen_reason),
            cancel_reason=_enum(CancelReason, appraisal.cancel_reason),
            version=appraisal.version,
            created_at=appraisal.created_at,
            updated_at=appraisal.updated_at,
            completed_at=appraisal.completed_at,
            reopened_at=appraisal.reopened_at,
            cancelled_at=appraisal.cancelled_at,
        )


class StatusChangeRead(BaseModel):
    id: uuid.UUID
    appraisal_id: uuid.UUID
    from_status: AppraisalStatus
    to_status: AppraisalStatus
    action: Move | None
    reason_code: str | None
    disagreement_recorded: bool
    actor: str = Field(description="The authenticated subject who made the change")
    changed_at: datetime

    @classmethod
    def from_model(cls, change: StatusChange) -> Self:
        return cls(
            id=change.id,
            appraisal_id=change.appraisal_id,
            from_status=AppraisalStatus(change.from_status),
            to_status=AppraisalStatus(change.to_status),
            action=_enum(Move, change.action),
            reason_code=change.reason_code,
            disagreement_recorded=change.disagreement_recorded,
            actor=change.actor,
            changed_at=change.changed_at,
        )


def _warnings(appraisal: Appraisal) -> list[Warning]:
    if appraisal.appraiser_credentialed is False:
        return [
            Warning(
                rule=CREDENTIAL_RULE,
                message="the appraiser holds no valid appraisal-skills credential",
            )
        ]
    return []


def _enum(kind: type[E], value: str | None) -> E | None:
    return None if value is None else kind(value)
