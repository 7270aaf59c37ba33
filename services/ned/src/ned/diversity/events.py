"""The event board diversity publishes: counts after disclosure control, never a person."""

import uuid
from datetime import date, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ned.diversity.domain import Dimension
from shared.events.model import Event


class CompositionGroup(BaseModel):
    model_config = ConfigDict(frozen=True)

    dimension: Dimension
    group: str = Field(description="Group code within the dimension (e.g. bme, disabled)")
    voting_members: int | None = Field(description="Rounded count; null when suppressed")
    executive_members: int | None = Field(description="Rounded count; null when suppressed")
    suppressed: bool = Field(description="True when either count is suppressed")


class BoardCompositionPublished(Event):
    """An organisation's board composition by sex, ethnicity (WRES indicator 9 groups) and
    disability (WDES metric 10 groups), for voting and executive membership, after
    small-number suppression and rounding."""

    event_name: ClassVar[str] = "board.composition.published"
    key_field: ClassVar[str] = "org_code"
    subject_template: ClassVar[str] = "board-compositions/{publication_id}"

    publication_id: uuid.UUID
    org_code: str = Field(pattern=r"^[A-Z0-9]{3,5}$")
    as_of: date
    groups: list[CompositionGroup]
    voting_total: int | None
    executive_total: int | None
    published_at: datetime
