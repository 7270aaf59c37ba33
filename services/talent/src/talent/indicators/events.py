"""``indicators.published``: an organisation's indicators after disclosure control, for ICS
platforms. Aggregates only; no person is named or countable below the threshold."""

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.events.model import Event


class PublishedIndicator(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    value: float | None = Field(description="Null when suppressed or undefined")
    numerator: int | None = Field(description="Rounded; null when suppressed or not a rate")
    denominator: int | None = Field(description="Rounded; null when suppressed or not a rate")
    suppressed: bool


class IndicatorsPublished(Event):
    event_name: ClassVar[str] = "indicators.published"
    key_field: ClassVar[str] = "org_code"
    subject_template: ClassVar[str] = "indicators/{publication_id}"

    publication_id: uuid.UUID
    org_code: str
    period: str = Field(pattern=r"^\d{4}-Q[1-4]$", examples=["2026-Q3"])
    trigger: str = Field(description="quarterly or on_demand")
    indicators: list[PublishedIndicator]
    published_at: datetime
