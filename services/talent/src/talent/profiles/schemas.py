from datetime import date, datetime

from pydantic import BaseModel, Field

from talent.profiles.domain import CredentialStatus, credential_status
from talent.profiles.service import ProfileView


class CredentialRead(BaseModel):
    credential_id: str
    programme_code: str
    standards: list[str] = Field(description="Standard codes the credential covers")
    levels: list[str] = Field(description="Leadership levels the credential covers")
    awarded_at: datetime
    expires_at: datetime | None
    status: CredentialStatus
    revoked_at: datetime | None
    revocation_reason_code: str | None


class AspirationsRead(BaseModel):
    """Scope for Growth aspirations from the latest appraisal, as codes."""

    direction: str | None = Field(default=None, examples=["stretch"])
    target_level: str | None = None
    timeframe: str | None = None
    mobility: str | None = None
    challenged_organisation_interest: bool | None = None


class AppraisalOutcomeRead(BaseModel):
    appraisal_id: str
    cycle_year: int | None = Field(description="First year of the cycle: 2026 is 2026/27")
    template_version: str | None
    performance_outcome: str | None
    behaviour_outcome: str | None
    development_programme_codes: list[str]
    completed_at: datetime
    reopened: bool = Field(description="Reopened since it completed; its outcome may change")
    reopened_at: datetime | None
    reopen_reason_code: str | None


class EligibilityRead(BaseModel):
    level: str = Field(examples=["senior"])
    eligible: bool
    met_requirement_ids: list[str]
    unmet_requirement_ids: list[str]
    policy_version: str | None = Field(description="The standards service's eligibility policy")
    as_of: datetime


class ComplianceRead(BaseModel):
    statutory_mandatory_complete: bool
    overdue_programme_codes: list[str]
    expired_programme_codes: list[str]
    expiring_programme_codes: list[str]
    as_of: datetime


class BoardRoleRead(BaseModel):
    appointment_id: str
    org_code: str | None
    seat_role: str | None
    term_start: date | None
    term_end: date | None
    term_number: int | None
    appointing_body: str | None
    ended_on: date | None
    current: bool = Field(description="Appointed and not ended")


class FitAndProperRead(BaseModel):
    assessment_id: str
    kind: str
    outcome: str
    assessed_at: datetime
    signed_off_by_role: str | None


class ProfileRead(BaseModel):
    person_id: str = Field(examples=["10234567"])
    org_code: str | None = Field(
        description="The directory's organisation, or the latest event's if not in the directory"
    )
    in_directory: bool
    credentials: list[CredentialRead]
    levels_attained: list[str] = Field(description="Levels covered by credentials held now")
    eligibility: list[EligibilityRead] = Field(
        description="Eligibility per level as the standards service last announced it"
    )
    compliance: ComplianceRead | None
    board_roles: list[BoardRoleRead]
    fit_and_proper: FitAndProperRead | None = Field(description="The latest FPPT assessment")
    latest_appraisal: AppraisalOutcomeRead | None
    aspirations: AspirationsRead | None
    updated_at: datetime | None = Field(description="When an event last changed the profile")
    version: int = Field(description="Grows with every event that changed the profile")


def profile_read(
    view: ProfileView, *, org_code: str | None, in_directory: bool, now: datetime
) -> ProfileRead:
    credentials = [
        CredentialRead(
            credential_id=c.credential_id,
            programme_code=c.programme_code or "",
            standards=list(c.standards),
            levels=list(c.levels),
            awarded_at=c.awarded_at,
            expires_at=c.expires_at,
            status=credential_status(revoked_at=c.revoked_at, expires_at=c.expires_at, now=now),
            revoked_at=c.revoked_at,
            revocation_reason_code=c.revocation_reason_code,
        )
        for c in view.credentials
        if c.awarded_at is not None
    ]
    latest = view.latest_appraisal
    appraisal = None
    aspirations = None
    if latest is not None:
        appraisal = AppraisalOutcomeRead(
            appraisal_id=latest.appraisal_id,
            cycle_year=latest.cycle_year,
            template_version=latest.template_version,
            performance_outcome=latest.performance_outcome,
            behaviour_outcome=latest.behaviour_outcome,
            development_programme_codes=list(latest.development_programme_codes),
            completed_at=latest.completed_at,
            reopened=latest.reopened_at is not None,
            reopened_at=latest.reopened_at,
            reopen_reason_code=latest.reopen_reason_code,
        )
        if latest.aspirations is not None:
            aspirations = AspirationsRead.model_validate(latest.aspirations)
    levels = sorted(
        {level for c in credentials if c.status is CredentialStatus.HELD for level in c.levels}
    )
    compliance = view.compliance
    fppt = view.latest_fit_and_proper
    return ProfileRead(
        person_id=view.person_id,
        org_code=org_code,
        in_directory=in_directory,
        credentials=credentials,
        levels_attained=levels,
        eligibility=[
            EligibilityRead(
                level=e.level,
                eligible=e.eligible,
                met_requirement_ids=list(e.met_requirement_ids),
                unmet_requirement_ids=list(e.unmet_requirement_ids),
                policy_version=e.policy_version,
                as_of=e.as_of,
            )
            for e in view.eligibility
        ],
        compliance=(
            ComplianceRead(
                statutory_mandatory_complete=compliance.statutory_mandatory_complete,
                overdue_programme_codes=list(compliance.overdue_programme_codes),
                expired_programme_codes=list(compliance.expired_programme_codes),
                expiring_programme_codes=list(compliance.expiring_programme_codes),
                as_of=compliance.as_of,
            )
            if compliance is not None
            else None
        ),
        board_roles=[
            BoardRoleRead(
                appointment_id=r.appointment_id,
                org_code=r.org_code,
                seat_role=r.seat_role,
                term_start=r.term_start,
                term_end=r.term_end,
                term_number=r.term_number,
                appointing_body=r.appointing_body,
                ended_on=r.ended_on,
                current=r.appointed_at is not None and r.ended_on is None,
            )
            for r in view.board_roles
        ],
        fit_and_proper=(
            FitAndProperRead(
                assessment_id=fppt.assessment_id,
                kind=fppt.kind,
                outcome=fppt.outcome,
                assessed_at=fppt.assessed_at,
                signed_off_by_role=fppt.signed_off_by_role,
            )
            if fppt is not None
            else None
        ),
        latest_appraisal=appraisal,
        aspirations=aspirations,
        updated_at=view.profile.updated_at if view.profile is not None else None,
        version=view.version,
    )
