import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from standards.eligibility import domain
from standards.eligibility.domain import Audience, RequirementKind
from standards.identifiers import PersonId, ProgrammeCode
from standards.programmes.domain import Level

POLICY_VERSION_PATTERN = r"^[0-9]{4}\.[0-9]{1,3}$"
REQUIREMENT_ID_PATTERN = r"^[a-z][a-z0-9_]{0,19}\.[a-z][a-z0-9_]{0,38}$"
STANDARD_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{1,59}$"

StandardCode = Annotated[str, StringConstraints(pattern=STANDARD_CODE_PATTERN)]
PolicyVersion = Annotated[
    str, StringConstraints(pattern=POLICY_VERSION_PATTERN), Field(examples=["2027.1"])
]


class RequirementSpec(BaseModel):
    """One requirement of a level, as published in a policy."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(pattern=REQUIREMENT_ID_PATTERN)] = Field(
        examples=["senior.edi"]
    )
    level: Level
    kind: RequirementKind
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)
    ]
    standards: list[StandardCode] = Field(default_factory=list, max_length=50)
    programmes: list[ProgrammeCode] = Field(default_factory=list, max_length=50)
    applies_to: Audience = Audience.EVERYONE

    def to_domain(self) -> domain.Requirement:
        return domain.Requirement(
            id=self.id,
            level=self.level,
            kind=self.kind,
            description=self.description,
            standards=tuple(self.standards),
            programmes=tuple(self.programmes),
            applies_to=self.applies_to,
        )

    @classmethod
    def of(cls, requirement: domain.Requirement) -> "RequirementSpec":
        return cls.model_validate(requirement.to_data())


class PolicyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: PolicyVersion
    requirements: list[RequirementSpec] = Field(min_length=1, max_length=200)


class PolicyRead(BaseModel):
    version: str
    published_at: datetime
    requirements: list[RequirementSpec]


class RequirementResult(BaseModel):
    id: str
    description: str
    kind: RequirementKind
    applies: bool = Field(description="False when the requirement is not asked of this person")
    met: bool
    evidence_credential_ids: list[uuid.UUID] = Field(
        description="Current credentials that meet (part of) the requirement"
    )
    missing_standards: list[str]
    missing_programmes: list[str]
    closing_programmes: list[str] = Field(
        description="Programmes of the catalogue that would close the gap"
    )


class EligibilityRead(BaseModel):
    person_id: str
    level: Level
    eligible: bool
    policy_version: str
    as_of: datetime
    requirements: list[RequirementResult]
    met_requirement_ids: list[str]
    unmet_requirement_ids: list[str]

    @classmethod
    def of(cls, determination: domain.Determination) -> "EligibilityRead":
        return cls(
            person_id=determination.person_id,
            level=determination.level,
            eligible=determination.eligible,
            policy_version=determination.policy_version,
            as_of=determination.as_of,
            met_requirement_ids=determination.met_requirement_ids,
            unmet_requirement_ids=determination.unmet_requirement_ids,
            requirements=[
                RequirementResult(
                    id=o.requirement.id,
                    description=o.requirement.description,
                    kind=o.requirement.kind,
                    applies=o.applies,
                    met=o.met,
                    evidence_credential_ids=list(o.evidence_credential_ids),
                    missing_standards=list(o.missing_standards),
                    missing_programmes=list(o.missing_programmes),
                    closing_programmes=list(o.closing_programmes),
                )
                for o in determination.outcomes
            ],
        )


class EligibilityBatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Level
    person_ids: list[PersonId] = Field(min_length=1, max_length=500)


class EligibilityBatch(BaseModel):
    items: list[EligibilityRead]
    refused: list[str] = Field(
        description="Asked-for people outside the token's reach (or unknown to the service): "
        "no answer is given for them"
    )


class EligibilityJobRead(BaseModel):
    """A redetermination of everyone's answers, run by the worker in slices of people."""

    id: uuid.UUID
    reason: Literal["policy", "requested"] = Field(
        description="A new policy version, or an administrator's request"
    )
    policy_version: str = Field(description="The policy in force when the job was queued")
    status: Literal["queued", "running", "completed"]
    people_total: int | None = Field(
        description="People whose answers may differ from the default; known once it starts"
    )
    people_processed: int
    changes_published: int = Field(description="eligibility.changed events written so far")
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, row: Any) -> "EligibilityJobRead":
        return cls.model_validate(row, from_attributes=True)


class PolicyPublished(PolicyRead):
    redetermination_job: EligibilityJobRead = Field(
        description="The background job re-determining everyone under the new version "
        "(GET /v1/eligibility/jobs/{id})"
    )
