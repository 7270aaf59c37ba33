"""The events the people projection reads, as tolerant readers: only the fields used here."""

import re
from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field

from shared.events.model import Event
from standards.identifiers import PERSON_ID_PATTERN, OrgCode

_PERSON_ID = re.compile(PERSON_ID_PATTERN)


def _clipped(limit: int) -> BeforeValidator:
    # Descriptive text longer than we store is clipped, not refused: one over-long job title must
    # not send a person's whole change to the dead letters.
    def clip(value: Any) -> Any:
        # PostgreSQL text cannot hold NUL; dropping it beats dead-lettering the change.
        return value.replace("\x00", "")[:limit] if isinstance(value, str) else value

    return BeforeValidator(clip)


def _person_or_none(value: Any) -> Any:
    # The line manager is context, not identity: an unusable id is dropped, the change kept.
    if isinstance(value, str) and not _PERSON_ID.match(value):
        return None
    return value


class PersonChanged(Event):
    """talent's `leadership.person.changed.v1`, as the standards service reads it."""

    event_name: ClassVar[str] = "person.changed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "people/{person_id}"

    person_id: str = Field(pattern=PERSON_ID_PATTERN)
    org_code: OrgCode
    staff_group: Annotated[str | None, _clipped(100)] = None
    band: Annotated[str | None, _clipped(20)] = None
    job_title: Annotated[str | None, _clipped(200)] = None
    line_manager_id: Annotated[str | None, BeforeValidator(_person_or_none)] = None
    is_line_manager: bool | None = None
    start_date: date | None = None
    # Plain text, not an enum: a status talent adds later must not dead-letter the event.
    status: Annotated[str, _clipped(20)] = "active"
    left_on: date | None = None
