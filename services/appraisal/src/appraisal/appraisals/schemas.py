"""The HTTP shapes of appraisals. Pydantic does the validating: lengths, patterns, enums."""

import uuid
from datetime import datetime
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
    AppraisalStatus,
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
from appraisal.appraisals.models import Appraisal

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
    outcome: PerformanceOutcome | None = None
    is_edi_objective: bool = Field(
        default=False, description="An equality, diversity and inclusion objective"
    )


class ObjectiveRead(BaseModel):
    id: uuid.UUID
    title: str
    success_criteria: str | None
    weight: int
    outcome: PerformanceOutcome | None
    is_edi_objective: bool


class AspirationsIn(_Input):
    direction: GrowthDirection
    target_level: TargetLevel | None = None
    timeframe: AspirationTimeframe
    mobility: Mobility
    challenged_organisation_interest: bool = Field(
        description="Open to a role in a challenged organisation (Messenger recommendation 7)"
    )


class AspirationsRead(BaseModel):
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
        default=None, description="Set for a board-member appraisal"
    )

    @field_validator("org_code")
    @classmethod
    def _upper_org(cls, value: str | None) -> str | None:
        return value.upper() if value is not None else None

    @model_validator(mode="after")
    def _not_self_appraisal(self) -> Self:
        if self.person_id == self.appraiser_id:
            raise ValueError("the appraiser must be someone other than the appraisee")
        return self


class AppraisalPatch(_Input):
    """The content to change. Only the fields sent change; ``null`` clears a field."""

    appraiser_id: PersonId | None = None
    objectives: list[ObjectiveIn] | None = Field(default=None, max_length=MAX_OBJECTIVES)
    performance_outcome: PerformanceOutcome | None = None
    behaviour_outcome: BehaviourOutcome | None = None
    behaviour_scores: dict[NhsValue, BehaviourFrequency] | None = Field(
        default=None, description="Each NHS value rated on the frequency scale"
    )
    aspirations: AspirationsIn | None = None
    development_programme_codes: list[ProgrammeCode] | None = Field(
        default=None, max_length=MAX_PROGRAMMES
    )
    wellbeing_conversation_held: bool | None = None

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


class TransitionRequest(_Input):
    to: AppraisalStatus = Field(examples=[AppraisalStatus.COMPLETED])
    reason_code: ReopenReason | None = Field(
        default=None, description="Required when reopening, refused otherwise"
    )


class AppraisalRead(BaseModel):
    id: uuid.UUID
    person_id: str
    org_code: str
    appraiser_id: str
    cycle_year: int
    cycle_label: str = Field(examples=["2026/27"])
    template_version: str
    board_role: BoardRole | None
    band: str | None = Field(description="The person's band when the appraisal was completed")
    status: AppraisalStatus
    allowed_transitions: list[AppraisalStatus]
    objectives: list[ObjectiveRead]
    performance_outcome: PerformanceOutcome | None
    behaviour_outcome: BehaviourOutcome | None
    behaviour_scores: dict[NhsValue, BehaviourFrequency]
    aspirations: AspirationsRead | None
    development_programme_codes: list[str]
    wellbeing_conversation_held: bool
    reopen_reason: ReopenReason | None
    version: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    reopened_at: datetime | None

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
            board_role=_enum(BoardRole, appraisal.board_role),
            band=appraisal.band,
            status=status,
            allowed_transitions=sorted(domain.allowed_transitions(status)),
            objectives=[
                ObjectiveRead(
                    id=objective.id,
                    title=objective.title,
                    success_criteria=objective.success_criteria,
                    weight=objective.weight,
                    outcome=_enum(PerformanceOutcome, objective.outcome),
                    is_edi_objective=objective.is_edi,
                )
                for objective in appraisal.objectives
            ],
            performance_outcome=_enum(PerformanceOutcome, appraisal.performance_outcome),
            behaviour_outcome=_enum(BehaviourOutcome, appraisal.behaviour_outcome),
            behaviour_scores={
                NhsValue(score.value_code): BehaviourFrequency(score.rating)
                for score in sorted(appraisal.behaviour_scores, key=lambda s: s.value_code)
            },
            aspirations=None
            if aspirations is None
            else AspirationsRead(
                direction=GrowthDirection(aspirations.direction),
                target_level=_enum(TargetLevel, aspirations.target_level),
                timeframe=AspirationTimeframe(aspirations.timeframe),
                mobility=Mobility(aspirations.mobility),
                challenged_organisation_interest=aspirations.challenged_organisation_interest,
            ),
            development_programme_codes=list(appraisal.development_programme_codes),
            wellbeing_conversation_held=appraisal.wellbeing_conversation_held,
            reopen_reason=_enum(ReopenReason, appraisal.reopen_reason),
            version=appraisal.version,
            created_at=appraisal.created_at,
            updated_at=appraisal.updated_at,
            completed_at=appraisal.completed_at,
            reopened_at=appraisal.reopened_at,
        )


def _enum(kind: type[E], value: str | None) -> E | None:
    return None if value is None else kind(value)
