from pydantic import Field

from appraisal.credentials.domain import CredentialPolicy
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "appraisal"
    # Below this many responses a feedback category is shown as suppressed (BMAF: at least 3).
    feedback_minimum_responses: int = Field(default=3, ge=2, le=20)
    # An appraiser without a valid NHS-APPRAISAL-SKILLS credential: refused (block) or allowed
    # with a warning in the response (warn). See docs/decisions/0010.
    appraiser_credential_policy: CredentialPolicy = CredentialPolicy.WARN
