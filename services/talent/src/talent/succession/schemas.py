import re
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from talent.succession.domain import Level, PlanRisk, Readiness, RiskLevel

PERSON_ID_PATTERN = r"^[A-Za-z0-9-]{1,20}$"
ORG_CODE_PATTERN = r"^[A-Za-z0-9]{3,5}$"


def _upper(value: str) -> str:
    return value.upper()


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a time zone is required (e.g. 2027-03-31T00:00:00Z)")
    return moment.astimezone(UTC)


def _written_date(value: Any) -> Any:
    # Lax parsing would take 0 or "0" for 1 January 1970: a date is written YYYY-MM-DD.
    if not isinstance(value, date) and not (
        isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)
    ):
        raise ValueError("a date written YYYY-MM-DD")
    return value


def _written_datetime(value: Any) -> Any:
    # Lax parsing would take a number for seconds since 1970: a time is written in RFC 3339.
    if not isinstance(value, datetime | str):
        raise ValueError("a date and time written in RFC 3339, e.g. 2027-03-31T00:00:00Z")
    return value


# Request fields take JSON's own types only: no number for a date, no "1" for 1, no 0 for false.
IsoDate = Annotated[date, BeforeValidator(_written_date)]
StrictInt = Annotated[int, Field(strict=True)]
StrictBool = Annotated[bool, Field(strict=True)]

OrgCode = Annotated[str, Field(pattern=ORG_CODE_PATTERN, examples=["RR8"]), AfterValidator(_upper)]
PersonId = Annotated[str, Field(pattern=PERSON_ID_PATTERN, examples=["10234567"])]
AwareDateTime = Annotated[datetime, BeforeValidator(_written_datetime), AfterValidator(_aware)]
# One line of text: PostgreSQL text cannot hold NUL, and no control character belongs here.
SINGLE_LINE = r"^[^\x00-\x1f\x7f]+$"
Reason = Annotated[str, Field(min_length=3, max_length=500, pattern=SINGLE_LINE)]


class CriticalPostCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_code: OrgCode
    role_title: str = Field(
        min_length=2, max_length=200, pattern=SINGLE_LINE, examples=["Director of Nursing"]
    )
    level: Level
    board_post: StrictBool = Field(
        default=False, description="A board seat: fit and proper status counts for readiness"
    )
    incumbent_person_id: PersonId | None = None
    risk_of_loss: RiskLevel
    impact_of_loss: RiskLevel
    expected_vacancy_date: IsoDate | None = None


class CriticalPostPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role_title: str | None = Field(default=None, min_length=2, max_length=200, pattern=SINGLE_LINE)
    incumbent_person_id: PersonId | None = None
    risk_of_loss: RiskLevel | None = None
    impact_of_loss: RiskLevel | None = None
    expected_vacancy_date: IsoDate | None = None


class CriticalPostRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_code: str
    role_title: str
    level: Level
    board_post: bool
    incumbent_person_id: str | None
    risk_of_loss: RiskLevel
    impact_of_loss: RiskLevel
    expected_vacancy_date: date | None
    version: int


class SuccessionPlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    post_id: uuid.UUID


class BenchStrengthRead(BaseModel):
    ready_now: int
    ready_1_2_years: int
    ready_3_plus_years: int
    not_ready: int
    total: int


class SuccessionPlanRead(BaseModel):
    id: uuid.UUID
    post_id: uuid.UUID
    org_code: str
    level: Level
    bench_strength: BenchStrengthRead
    risks: list[PlanRisk]
    updated_at: datetime
    version: int


def plan_read(plan: Any) -> SuccessionPlanRead:
    return SuccessionPlanRead(
        id=plan.id,
        post_id=plan.post_id,
        org_code=plan.org_code,
        level=plan.level,
        bench_strength=BenchStrengthRead(
            ready_now=plan.ready_now,
            ready_1_2_years=plan.ready_1_2_years,
            ready_3_plus_years=plan.ready_3_plus_years,
            not_ready=plan.not_ready,
            total=plan.total,
        ),
        risks=[PlanRisk(r) for r in plan.risks],
        updated_at=plan.updated_at,
        version=plan.version,
    )


class CandidateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: PersonId
    rank: StrictInt | None = Field(default=None, ge=1, le=100_000, description="Default: last")
    emergency_cover: StrictBool = Field(
        default=False, description="Could step in at short notice if the post fell vacant"
    )


class CandidatePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rank: StrictInt | None = Field(default=None, ge=1, le=100_000)
    emergency_cover: StrictBool | None = None


class OverrideSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    readiness: Readiness
    reason: Reason
    expires_at: AwareDateTime = Field(description="When the evidence speaks again")

    @model_validator(mode="after")
    def _in_future(self) -> "OverrideSet":
        if self.expires_at <= datetime.now(UTC):
            raise ValueError("expires_at must be in the future")
        return self


class RuleRead(BaseModel):
    rule: str = Field(examples=["eligible_for_level"])
    met: bool
    applies: bool = Field(description="False when the rule does not concern this post")
    evidence: dict[str, Any]


class ExplanationRead(BaseModel):
    policy_version: str
    readiness: Readiness | None = Field(description="What the evidence alone says")
    rules: list[RuleRead]


class OverrideRead(BaseModel):
    readiness: Readiness
    reason: str
    expires_at: datetime | None
    set_by: str | None
    active: bool


class CandidateRead(BaseModel):
    id: uuid.UUID
    plan_id: uuid.UUID
    post_id: uuid.UUID
    org_code: str
    person_id: str
    level: Level
    rank: int
    emergency_cover: bool
    readiness: Readiness = Field(description="The override while active, else the computed one")
    computed_readiness: Readiness
    explanation: ExplanationRead
    override: OverrideRead | None
    computed_at: datetime
    version: int


def candidate_read(candidate: Any, *, now: datetime) -> CandidateRead:
    explanation = candidate.explanation or {}
    override = None
    if candidate.override_readiness is not None:
        override = OverrideRead(
            readiness=Readiness(candidate.override_readiness),
            reason=candidate.override_reason or "",
            expires_at=candidate.override_expires_at,
            set_by=candidate.override_by,
            active=candidate.override_expires_at is None or candidate.override_expires_at > now,
        )
    # An override that expired since the last recompute no longer counts, even before the
    # next recompute writes that down.
    readiness = Readiness(candidate.readiness)
    if override is not None and not override.active:
        readiness = Readiness(candidate.computed_readiness)
    return CandidateRead(
        id=candidate.id,
        plan_id=candidate.plan_id,
        post_id=candidate.post_id,
        org_code=candidate.org_code,
        person_id=candidate.person_id,
        level=candidate.level,
        rank=candidate.rank,
        emergency_cover=candidate.emergency_cover,
        readiness=readiness,
        computed_readiness=Readiness(candidate.computed_readiness),
        explanation=ExplanationRead(
            policy_version=explanation.get("policy_version", candidate.policy_version),
            readiness=explanation.get("readiness"),
            rules=[RuleRead.model_validate(rule) for rule in explanation.get("rules", [])],
        ),
        override=override,
        computed_at=candidate.computed_at,
        version=candidate.version,
    )


class GapRead(BaseModel):
    requirement_id: str
    standards: list[str] = Field(description="Standards the requirement names, when known")
    programmes: list[str] = Field(description="Programmes that close the gap, when known")


class GapAnalysisRead(BaseModel):
    candidate_id: uuid.UUID
    level: Level
    eligibility_announced: bool = Field(
        description="Whether the standards service has announced eligibility for this level"
    )
    eligible: bool | None
    missing_requirements: list[GapRead]
    programmes: list[str] = Field(description="Every programme that closes one of the gaps")
    unmet_rules: list[str] = Field(description="Readiness rules not met, beyond eligibility")
    as_of: datetime | None


class RecomputeRead(BaseModel):
    candidates: int
    changed: int
    readiness_changed: int
    plans_updated: int


class ReadinessPolicyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: str
    active: bool
    definition: dict[str, Any]
    created_at: datetime
