"""Tolerant readers of the events the talent profile consumes.

Our own models of other services' events, holding just the fields the profile uses: unknown
fields are ignored (the Event base), optional facts may be missing, and a few spellings are
accepted, so a producer adding or renaming an optional field does not stop the profile.
"""

from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

from shared.events.model import Event

PERSON_ID_PATTERN = r"^[A-Za-z0-9-]{1,20}$"


def _utc(moment: datetime) -> datetime:
    # A producer that forgets the offset means UTC (ARCHITECTURE §5: event times are UTC).
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _codes(value: Any) -> Any:
    """A list of codes, given as strings, numbers or objects with a ``code``."""
    if value is None:
        return []
    if not isinstance(value, list):
        return value
    codes: list[Any] = []
    for item in value:
        if isinstance(item, dict):
            item = item.get("code", item.get("level"))
        if isinstance(item, int) and not isinstance(item, bool):
            item = str(item)
        codes.append(item)
    return codes


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]
PersonId = Annotated[str, Field(pattern=PERSON_ID_PATTERN)]
OrgCode = Annotated[str, BeforeValidator(_upper), Field(pattern=r"^[A-Z0-9]{3,5}$")]
Identifier = Annotated[str, Field(min_length=1, max_length=64)]
Code = Annotated[str, Field(min_length=1, max_length=64)]
CodeList = Annotated[list[Code], BeforeValidator(_codes), Field(max_length=100)]
ShortCode = Annotated[str, Field(max_length=60)]


class TrainingAccredited(Event):
    """Standards issued a credential: an accredited programme completed."""

    event_name: ClassVar[str] = "training.accredited"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "credentials/{credential_id}"

    credential_id: Identifier
    person_id: PersonId
    record_id: Identifier | None = None
    org_code: OrgCode | None = None
    programme_code: Code
    standards: CodeList = Field(default_factory=list)
    levels: CodeList = Field(default_factory=list)
    awarded_at: UtcDateTime
    expires_at: UtcDateTime | None = None


class CredentialRevoked(Event):
    """Standards revoked a credential."""

    event_name: ClassVar[str] = "credential.revoked"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "credentials/{credential_id}"

    credential_id: Identifier
    person_id: PersonId
    reason_code: ShortCode | None = None
    revoked_at: UtcDateTime


class Aspirations(BaseModel):
    """Scope for Growth career aspirations, as codes (never the conversation's notes)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    direction: ShortCode | None = None
    target_level: ShortCode | None = None
    timeframe: ShortCode | None = None
    mobility: ShortCode | None = None
    challenged_organisation_interest: bool | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "challenged_organisation_interest", "challenged_org_interest"
        ),
    )


class AppraisalCompleted(Event):
    """Appraisal signed off an appraisal: outcomes and aspirations."""

    event_name: ClassVar[str] = "appraisal.completed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "appraisals/{appraisal_id}"

    appraisal_id: Identifier
    person_id: PersonId
    org_code: OrgCode | None = None
    cycle_year: int | None = Field(default=None, ge=2000, le=2200)
    template_version: ShortCode | None = None
    performance_outcome: ShortCode | None = None
    behaviour_outcome: ShortCode | None = None
    aspirations: Aspirations | None = None
    development_programme_codes: CodeList = Field(default_factory=list)
    completed_at: UtcDateTime


class AppraisalReopened(Event):
    """Appraisal reopened a completed appraisal."""

    event_name: ClassVar[str] = "appraisal.reopened"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "appraisals/{appraisal_id}"

    appraisal_id: Identifier
    person_id: PersonId
    reason_code: ShortCode | None = None
    reopened_at: UtcDateTime


Level = Annotated[str, BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v)]


class RequirementDetail(BaseModel):
    """What standards may say about an unmet requirement: the standards and programmes."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    requirement_id: Code = Field(validation_alias=AliasChoices("requirement_id", "id", "code"))
    standards: CodeList = Field(
        default_factory=list, validation_alias=AliasChoices("standards", "standard_codes")
    )
    programmes: CodeList = Field(
        default_factory=list,
        validation_alias=AliasChoices("programmes", "programme_codes", "closing_programme_codes"),
    )


class EligibilityChanged(Event):
    """Standards determined a person's eligibility for one leadership level."""

    event_name: ClassVar[str] = "eligibility.changed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "eligibility/{determination_id}"

    determination_id: Identifier
    person_id: PersonId
    org_code: OrgCode | None = None
    level: Level = Field(pattern=r"^[a-z_]{1,20}$")
    eligible: bool
    met_requirement_ids: CodeList = Field(default_factory=list)
    unmet_requirement_ids: CodeList = Field(default_factory=list)
    unmet_requirements: list[RequirementDetail] = Field(default_factory=list, max_length=100)
    evidence_credential_ids: CodeList = Field(default_factory=list)
    policy_version: ShortCode | None = None
    as_of: UtcDateTime


class ComplianceChanged(Event):
    """Standards determined a person's statutory and mandatory training status."""

    event_name: ClassVar[str] = "compliance.changed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "compliance/{determination_id}"

    determination_id: Identifier
    person_id: PersonId
    org_code: OrgCode | None = None
    statutory_mandatory_complete: bool
    overdue_programme_codes: CodeList = Field(default_factory=list)
    expired_programme_codes: CodeList = Field(default_factory=list)
    expiring_programme_codes: CodeList = Field(default_factory=list)
    as_of: UtcDateTime


class NedAppointed(Event):
    """The NED service appointed someone to a board seat."""

    event_name: ClassVar[str] = "ned.appointed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "appointments/{appointment_id}"

    appointment_id: Identifier
    person_id: PersonId
    org_code: OrgCode | None = None
    seat_id: Identifier | None = None
    seat_role: ShortCode | None = None
    term_start: date | None = None
    term_end: date | None = None
    term_number: int | None = Field(default=None, ge=1, le=20)
    appointing_body: ShortCode | None = None
    appointed_at: UtcDateTime | None = None


class NedTermEnded(Event):
    """A board appointment ended."""

    event_name: ClassVar[str] = "ned.term.ended"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "appointments/{appointment_id}"

    appointment_id: Identifier
    person_id: PersonId
    org_code: OrgCode | None = None
    seat_id: Identifier | None = None
    seat_role: ShortCode | None = None
    term_start: date | None = None
    term_end: date | None = None
    term_number: int | None = Field(default=None, ge=1, le=20)
    ended_on: date
    reason_code: ShortCode | None = None


class FitAndProperAssessed(Event):
    """A fit and proper person test was completed for a board member or candidate."""

    event_name: ClassVar[str] = "fppt.assessed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "fppt-assessments/{assessment_id}"

    assessment_id: Identifier
    person_id: PersonId
    org_code: OrgCode | None = None
    kind: ShortCode
    outcome: Annotated[
        str, BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v)
    ] = Field(pattern=r"^(pass|fail)$")
    assessed_at: UtcDateTime
    signed_off_by_role: ShortCode | None = None
