"""Tolerant readers of the appraisal events board appraisal compliance needs.

Only the fields used here; unknown fields are ignored (the Event base) and optional facts may be
missing, so the appraisal service can add to its payloads without breaking this consumer.
"""

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BeforeValidator, Field

from shared.events.model import Event


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]
PersonId = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,20}$")]
OrgCode = Annotated[str, BeforeValidator(_upper), Field(pattern=r"^[A-Z0-9]{3,5}$")]
Identifier = Annotated[str, Field(min_length=1, max_length=64)]
ShortCode = Annotated[str, Field(min_length=1, max_length=60)]


class AppraisalCompleted(Event):
    """An appraisal was signed off; board-member appraisals carry the appraisee's board role."""

    event_name: ClassVar[str] = "appraisal.completed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "appraisals/{appraisal_id}"

    appraisal_id: Identifier
    person_id: PersonId
    org_code: OrgCode
    board_role: ShortCode | None = None
    # ``board`` for a board-member appraisal (older producers sent only board_role).
    kind: ShortCode | None = None
    band_or_role: ShortCode | None = None
    cycle_year: int = Field(ge=2000, le=2200)
    completed_at: UtcDateTime

    @property
    def is_board_appraisal(self) -> bool:
        return self.board_role is not None or self.kind == "board"

    @property
    def role(self) -> str | None:
        if self.board_role is not None:
            return self.board_role
        return self.band_or_role if self.kind == "board" else None


class AppraisalReopened(Event):
    """A completed appraisal was reopened: it no longer counts until completed again."""

    event_name: ClassVar[str] = "appraisal.reopened"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "appraisals/{appraisal_id}"

    appraisal_id: Identifier
    person_id: PersonId
    reopened_at: UtcDateTime
