"""Pure rules of the appraisers' credentials projection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

# The standards service's programme that trains appraisers (its seeded catalogue).
APPRAISAL_SKILLS_PROGRAMME = "NHS-APPRAISAL-SKILLS"
CREDENTIAL_RULE = "appraiser.appraisal_skills_credential"


class CredentialPolicy(StrEnum):
    """What happens when the appraiser holds no valid appraisal-skills credential.

    ``block`` refuses the appraiser; ``warn`` lets the appraisal go ahead and says so in the
    response. Warn is the default while organisations' training records are still being brought
    into the standards service: blocking on missing data would stop appraisals, the very thing
    the review wants more of.
    """

    BLOCK = "block"
    WARN = "warn"


@dataclass(frozen=True, slots=True)
class CredentialFacts:
    programme_code: str | None
    awarded_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def is_valid_appraisal_skills(credential: CredentialFacts, at: datetime) -> bool:
    """An appraisal-skills credential awarded by ``at``, not expired and not revoked."""
    if credential.programme_code != APPRAISAL_SKILLS_PROGRAMME:
        return False
    if credential.awarded_at is None or _utc(credential.awarded_at) > at:
        return False
    if credential.revoked_at is not None and _utc(credential.revoked_at) <= at:
        return False
    return credential.expires_at is None or _utc(credential.expires_at) > at


def holds_appraisal_skills(credentials: list[CredentialFacts], at: datetime) -> bool:
    return any(is_valid_appraisal_skills(credential, at) for credential in credentials)
