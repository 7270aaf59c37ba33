"""Events about compliance (ARCHITECTURE §5 catalogue; payload in the platform's contract)."""

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import Field

from shared.events.model import Event


class ComplianceChanged(Event):
    """A person's statutory, mandatory and assigned training status changed.

    Published only when the summary changes (complete, overdue, expired or expiring); a
    recompute that finds the same summary publishes nothing. Appraisal's pay-progression check
    rests on ``statutory_mandatory_complete``.
    """

    event_name: ClassVar[str] = "compliance.changed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "compliance/{determination_id}"

    determination_id: uuid.UUID
    person_id: str
    org_code: str
    statutory_mandatory_complete: bool
    overdue_programme_codes: list[str] = Field(default_factory=list)
    expired_programme_codes: list[str] = Field(default_factory=list)
    expiring_programme_codes: list[str] = Field(
        default_factory=list, description="Complete, but expiring within 90 days"
    )
    as_of: datetime
    # False once the person has left: no requirements apply any more.
    applicable: bool = True
