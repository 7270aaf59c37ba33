import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from talent.conversations.domain import ConversationOutcome, Timeframe
from talent.succession.domain import Level
from talent.succession.schemas import SINGLE_LINE, IsoDate

# Notes may run over several lines; no other control character, and never NUL.
Note = Annotated[
    str, Field(min_length=1, max_length=4000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+$")
]
Action = Annotated[str, Field(min_length=1, max_length=500, pattern=SINGLE_LINE)]


class ConversationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    held_on: IsoDate
    where_they_are: Note | None = Field(default=None, description="Private to person and manager")
    where_they_want_to_go: Note | None = Field(
        default=None, description="Private to person and manager"
    )
    agreed_actions: list[Action] = Field(
        default_factory=list, max_length=20, description="Private to person and manager"
    )
    outcome_codes: list[ConversationOutcome] = Field(default_factory=list, max_length=6)
    target_level: Level | None = None
    timeframe: Timeframe | None = None


class ConversationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    where_they_are: Note | None = None
    where_they_want_to_go: Note | None = None
    agreed_actions: list[Action] | None = Field(default=None, max_length=20)
    outcome_codes: list[ConversationOutcome] | None = Field(default=None, max_length=6)
    target_level: Level | None = None
    timeframe: Timeframe | None = None


class ConversationRead(BaseModel):
    id: uuid.UUID
    person_id: str
    org_code: str
    manager_person_id: str | None
    held_on: date
    outcome_codes: list[ConversationOutcome]
    target_level: Level | None
    timeframe: Timeframe | None
    private_notes_shown: bool = Field(
        description="False unless the caller is the person or the manager: the words are hidden"
    )
    where_they_are: str | None
    where_they_want_to_go: str | None
    agreed_actions: list[str] | None
    updated_at: datetime
    version: int


def conversation_read(conversation: Any, *, show_notes: bool) -> ConversationRead:
    return ConversationRead(
        id=conversation.id,
        person_id=conversation.person_id,
        org_code=conversation.org_code,
        manager_person_id=conversation.manager_person_id,
        held_on=conversation.held_on,
        outcome_codes=[ConversationOutcome(c) for c in conversation.outcome_codes],
        target_level=conversation.target_level,
        timeframe=conversation.timeframe,
        private_notes_shown=show_notes,
        where_they_are=conversation.where_they_are if show_notes else None,
        where_they_want_to_go=conversation.where_they_want_to_go if show_notes else None,
        agreed_actions=list(conversation.agreed_actions) if show_notes else None,
        updated_at=conversation.updated_at,
        version=conversation.version,
    )
