"""Events about eligibility for a level (ARCHITECTURE §5 catalogue)."""

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel

from shared.events.model import Event
from standards.programmes.domain import Level


class UnmetRequirement(BaseModel):
    """What is missing for one requirement: standards not yet attained, and the programmes of
    the catalogue that would close the gap (codes only)."""

    requirement_id: str
    standards: list[str]
    programmes: list[str]


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
    unmet_requirements: list[UnmetRequirement]
    evidence_credential_ids: list[uuid.UUID]
    policy_version: str
    as_of: datetime
