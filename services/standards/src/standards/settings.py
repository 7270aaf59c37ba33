from typing import Annotated, Self

from fastapi import Depends, Request
from pydantic import Field, SecretStr, model_validator

from shared.settings import Environment, ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "standards"

    # Clocks of the HR and learning systems that report completions are not ours; a completion a
    # few minutes "in the future" is skew, not a forecast.
    completion_clock_skew_seconds: int = Field(default=300, ge=0, le=3600)

    # Issuing Open Badges: the URL the service is reached at from outside (credential, issuer and
    # status list ids are built on it) and the issuer's private signing key (PEM, P-256). Without a
    # key, development and tests sign with a fixed, publicly known development key; production
    # refuses to start without one.
    public_base_url: str = Field(default="http://localhost:8711", pattern=r"^https?://\S*[^\s/]$")
    credential_signing_key: SecretStr | None = None
    # Rows one bulk completion import takes (CSV or NDJSON), and bytes.
    completions_import_max_rows: int = Field(default=200_000, ge=1)
    completions_import_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    # The worker's periodic compliance sweep (deadlines passing, records expiring, lapsed
    # accreditations); 0 turns it off.
    compliance_sweep_interval_seconds: float = Field(default=3600, ge=0)
    # The worker's eligibility step (holders of credentials that expired since the last pass,
    # then queued redetermination jobs, in slices); 0 turns it off.
    eligibility_worker_interval_seconds: float = Field(default=60, ge=0)

    @model_validator(mode="after")
    def _production_needs_a_signing_key(self) -> Self:
        if self.environment is Environment.PRODUCTION and self.credential_signing_key is None:
            raise ValueError(
                "production needs CREDENTIAL_SIGNING_KEY: credentials signed with the "
                "development key prove nothing"
            )
        if self.environment is Environment.PRODUCTION and not self.public_base_url.startswith(
            "https://"
        ):
            raise ValueError(
                "production needs PUBLIC_BASE_URL on https: issued credentials name their issuer, "
                "status list and own id by it, and verifiers fetch them from there"
            )
        return self


def current_settings(request: Request) -> Settings:
    settings = request.app.state.settings
    if not isinstance(settings, Settings):
        raise RuntimeError("the app was not built with standards.settings.Settings")
    return settings


StandardsSettingsDep = Annotated[Settings, Depends(current_settings)]
