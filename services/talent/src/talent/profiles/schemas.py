from datetime import datetime

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


class ProfileRead(BaseModel):
    person_id: str = Field(examples=["10234567"])
    org_code: str | None = Field(
        description="The directory's organisation, or the latest event's if not in the directory"
    )
    in_directory: bool
    credentials: list[CredentialRead]
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
    return ProfileRead(
        person_id=view.person_id,
        org_code=org_code,
        in_directory=in_directory,
        credentials=credentials,
        latest_appraisal=appraisal,
        aspirations=aspirations,
        updated_at=view.profile.updated_at if view.profile is not None else None,
        version=view.version,
    )
