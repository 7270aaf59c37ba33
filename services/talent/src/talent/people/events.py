"""Events the people directory publishes."""

import uuid
from datetime import date
from typing import ClassVar

from pydantic import Field

from shared.events.model import Event
from talent.people.domain import Band, PersonStatus, StaffGroup


class PersonChanged(Event):
    """A person joined the directory, or a published fact about them changed.

    Carries the whole current state (not a diff) so a consumer can rebuild its projection from
    the latest event alone. Never carries protected characteristics.
    """

    event_name: ClassVar[str] = "person.changed"
    key_field: ClassVar[str] = "person_id"
    # A person number is personal data and CloudEvents headers carry none: the subject names
    # the directory entry instead.
    subject_template: ClassVar[str] = "people/{directory_id}"

    person_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,20}$", examples=["10234567"])
    org_code: str = Field(pattern=r"^[A-Z0-9]{3,5}$", examples=["RR8"])
    staff_group: StaffGroup
    band: Band
    job_title: str = Field(max_length=200)
    line_manager_id: str | None = None
    is_line_manager: bool
    start_date: date
    status: PersonStatus
    left_on: date | None = None
    directory_id: uuid.UUID = Field(description="The directory entry; names it in ce_subject")
    version: int = Field(ge=1, description="The entry's version; higher is newer")
    changed_fields: list[str] = Field(
        description="Published fields that changed; all of them for a new person"
    )
