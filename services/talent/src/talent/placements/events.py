"""Events the placements publish (ARCHITECTURE §5 catalogue): identifiers and codes only."""

import uuid
from datetime import date, datetime
from typing import ClassVar

from shared.events.model import Event


class PlacementAccepted(Event):
    """A person accepted a placement into a role at a challenged organisation."""

    event_name: ClassVar[str] = "placement.accepted"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "placements/{placement_id}"

    placement_id: uuid.UUID
    person_id: str
    org_code: str
    role_id: uuid.UUID
    role: str
    level: str
    start_date: date | None
    package_code: str
    accepted_at: datetime
