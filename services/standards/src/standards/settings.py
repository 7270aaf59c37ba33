from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "standards"

    # Clocks of the HR and learning systems that report completions are not ours; a completion a
    # few minutes "in the future" is skew, not a forecast.
    completion_clock_skew_seconds: int = Field(default=300, ge=0, le=3600)


def current_settings(request: Request) -> Settings:
    settings = request.app.state.settings
    if not isinstance(settings, Settings):
        raise RuntimeError("the app was not built with standards.settings.Settings")
    return settings


StandardsSettingsDep = Annotated[Settings, Depends(current_settings)]
