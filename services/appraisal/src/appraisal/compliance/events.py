"""standards' compliance.changed, as this service reads it: a tolerant reader.

Only the fields pay progression uses; unknown fields are ignored and the lists of programme
codes may be missing, so standards adding or dropping an optional field does not stop us.
"""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BeforeValidator, Field

from shared.events.model import Event


def _utc(moment: datetime) -> datetime:
    # An event time without an offset means UTC (ARCHITECTURE §5).
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _codes(value: Any) -> Any:
    """A list of programme codes, given as strings or as objects with a ``code``."""
    if value is None:
        return []
    if isinstance(value, list):
        return [item.get("code") if isinstance(item, dict) else item for item in value]
    return value


ProgrammeCodes = Annotated[list[Annotated[str, Field(max_length=40)]], BeforeValidator(_codes)]


class ComplianceChanged(Event):
    """standards' leadership.compliance.changed.v1."""

    event_name: ClassVar[str] = "compliance.changed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "compliance/{determination_id}"

    determination_id: uuid.UUID
    person_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,20}$")
    org_code: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{3,5}$"), AfterValidator(str.upper)]
    statutory_mandatory_complete: bool
    overdue_programme_codes: ProgrammeCodes = Field(default_factory=list)
    expired_programme_codes: ProgrammeCodes = Field(default_factory=list)
    expiring_programme_codes: ProgrammeCodes = Field(default_factory=list)
    as_of: Annotated[datetime, AfterValidator(_utc)]
