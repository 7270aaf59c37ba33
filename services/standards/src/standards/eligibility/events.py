"""Events about eligibility for a level (ARCHITECTURE §5 catalogue)."""

import uuid
from datetime import datetime
from typing import ClassVar

from shared.events.model import Event
from standards.programmes.domain import Level


class EligibilityChanged(Event):
    """A person became eligible, or stopped being eligible, for a level.

    Published only when the answer flips (see the decision record on eligibility), never when
    a re-determination gives the same answer.
    """

    event_name: ClassVar[str] = "eligibility.changed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "eligibility/{determination_id}"

    determination_id: uuid.UUID
    person_id: str
    org_code: str
    level: Level
    eligible: bool
    previously_eligible: bool | None
    met_requirement_ids: list[str]
    unmet_requirement_ids: list[str]
    evidence_credential_ids: list[uuid.UUID]
    policy_version: str
    as_of: datetime
