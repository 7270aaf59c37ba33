"""Oversight settings, read from the environment like the service's own settings."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from talent.organisations.domain import DEFAULT_CHALLENGED_FROM_SEGMENT


class OversightSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TALENT_", extra="ignore")

    # Segment from which an organisation counts as challenged (4: mandated intensive support).
    challenged_from_segment: int = Field(default=DEFAULT_CHALLENGED_FROM_SEGMENT, ge=1, le=5)


@lru_cache(maxsize=1)
def oversight_settings() -> OversightSettings:
    return OversightSettings()
