import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.http.problems import FieldError
from standards.identifiers import OrgCode, PersonId, ProgrammeCode
from standards.learning import domain
from standards.learning.models import Credential, LearnerRecord
from standards.programmes.domain import Level


class CompletionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    programme_code: ProgrammeCode
    provider_id: uuid.UUID | None = Field(
        default=None, description="The provider that delivered it; needed for accreditation"
    )
    completed_at: AwareDatetime = Field(
        description="When the person completed (RFC 3339 with offset); not in the future",
        examples=["2026-03-14T16:00:00Z"],
    )
    org_code: OrgCode | None = Field(
        default=None,
        description="The person's organisation at completion; defaults to the one the people "
        "directory holds",
    )


class CredentialStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class CredentialRead(BaseModel):
    credential_id: uuid.UUID
    record_id: uuid.UUID
    person_id: str
    org_code: str
    programme_code: str
    standards: list[str]
    levels: list[Level]
    awarded_at: datetime
    expires_at: datetime | None
    status: CredentialStatus
    revoked_at: datetime | None

    @classmethod
    def of(cls, credential: Credential, *, now: datetime) -> "CredentialRead":
        revoked = credential.status == CredentialStatus.REVOKED
        if revoked:
            status = CredentialStatus.REVOKED
        elif domain.is_current(credential.expires_at, revoked=False, now=now):
            status = CredentialStatus.ACTIVE
        else:
            status = CredentialStatus.EXPIRED
        return cls(
            credential_id=credential.id,
            record_id=credential.record_id,
            person_id=credential.person_id,
            org_code=credential.org_code,
            programme_code=credential.programme_code,
            standards=list(credential.standards),
            levels=[Level(level) for level in credential.levels],
            awarded_at=credential.awarded_at,
            expires_at=credential.expires_at,
            status=status,
            revoked_at=credential.revoked_at,
        )


class LearnerRecordRead(BaseModel):
    id: uuid.UUID
    person_id: str
    org_code: str
    programme_code: str
    provider_id: uuid.UUID | None
    completed_at: datetime
    accredited: bool
    accreditation_id: uuid.UUID | None = Field(
        description="The provider's accreditation decision in force at completion"
    )
    credential: CredentialRead | None
    recorded_at: datetime
    version: int

    @classmethod
    def of(cls, record: LearnerRecord, *, now: datetime) -> "LearnerRecordRead":
        return cls(
            id=record.id,
            person_id=record.person_id,
            org_code=record.org_code,
            programme_code=record.programme_code,
            provider_id=record.provider_id,
            completed_at=record.completed_at,
            accredited=record.accredited,
            accreditation_id=record.accreditation_id,
            credential=(
                CredentialRead.of(record.credential, now=now) if record.credential else None
            ),
            recorded_at=record.created_at,
            version=record.version,
        )


class CompletionRow(BaseModel):
    """One row of a bulk completions upload: the single completion's fields plus the person."""

    model_config = ConfigDict(extra="forbid")

    person_id: PersonId
    programme_code: ProgrammeCode
    completed_at: AwareDatetime
    provider_id: uuid.UUID | None = None
    org_code: OrgCode | None = None


class RejectedCompletion(BaseModel):
    """A row that was not stored: its line in the upload and every reason."""

    line: int = Field(ge=1, description="1-based line of the upload where the row ends")
    person_id: str | None = Field(default=None, description="The row's person_id when readable")
    errors: list[FieldError]


class CompletionImportReport(BaseModel):
    rows: int = Field(description="Data rows read (blank lines are not rows)")
    recorded: int = Field(description="Completions stored")
    accredited: int = Field(description="Of those, accredited (a credential was issued)")
    rejected: int
    events_published: int = Field(
        description="training.completed, training.accredited and eligibility.changed events"
    )
    rejections: list[RejectedCompletion]
