"""The events this area reads, as tolerant readers: only the fields used here."""

from datetime import date
from typing import ClassVar

from pydantic import Field, field_validator

from shared.events.model import Event


class PersonChanged(Event):
    """talent's leadership.person.changed.v1, as the appraisal service reads it."""

    event_name: ClassVar[str] = "person.changed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "people/{person_id}"

    person_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,20}$")
    org_code: str = Field(pattern=r"^[A-Za-z0-9]{3,5}$")
    staff_group: str | None = Field(default=None, max_length=100)
    band: str | None = Field(default=None, max_length=20)
    job_title: str | None = Field(default=None, max_length=200)
    line_manager_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,20}$")
    is_line_manager: bool = False
    # Kept as text: a status talent adds later must not send the event to the dead letters.
    status: str = Field(default="active", max_length=20)
    left_on: date | None = None

    @field_validator("org_code")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()
