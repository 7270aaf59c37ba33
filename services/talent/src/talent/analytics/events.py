"""Tolerant readers of the events the oversight analytics consume (see profiles/events.py for
the approach): only the fields used, unknown ones ignored."""

from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from shared.events.model import Event
from talent.profiles.events import OrgCode, PersonId, UtcDateTime

Identifier = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if v is not None else v),
    Field(min_length=1, max_length=64),
]


class TrainingCompleted(Event):
    """Standards recorded a completed programme; ``category`` tells mandatory from the rest."""

    event_name: ClassVar[str] = "training.completed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "learner-records/{record_id}"

    record_id: Identifier
    person_id: PersonId
    org_code: OrgCode | None = None
    programme_code: Annotated[str, Field(min_length=1, max_length=64)]
    category: Annotated[str, Field(min_length=1, max_length=40)]
    completed_at: UtcDateTime


def _count(value: Any) -> Any:
    # A suppressed figure may arrive as null or as the "*" marker.
    return None if value == "*" else value


class CompositionGroup(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    dimension: Annotated[str, Field(max_length=20)]
    group: Annotated[str, Field(max_length=40)]
    voting_members: Annotated[int | None, BeforeValidator(_count)] = Field(default=None, ge=0)
    executive_members: Annotated[int | None, BeforeValidator(_count)] = Field(default=None, ge=0)
    suppressed: bool = False


class BoardCompositionPublished(Event):
    """The ned service's board composition of an organisation, already disclosure-controlled."""

    event_name: ClassVar[str] = "board.composition.published"
    key_field: ClassVar[str] = "org_code"
    subject_template: ClassVar[str] = "board-compositions/{publication_id}"

    publication_id: Identifier
    org_code: OrgCode
    as_of: date
    groups: list[CompositionGroup] = Field(default_factory=list, max_length=100)
    voting_total: Annotated[int | None, BeforeValidator(_count)] = Field(default=None, ge=0)
    executive_total: Annotated[int | None, BeforeValidator(_count)] = Field(default=None, ge=0)
    published_at: datetime | None = None
