"""Events about learner records and credentials (ARCHITECTURE §5 catalogue).

Identifiers and facts only: never a person's name, free-text notes or protected characteristics.
"""

import uuid
from datetime import datetime
from typing import ClassVar

from shared.events.model import Event
from standards.programmes.domain import Category, Level


class TrainingCompleted(Event):
    """A person completed a programme, accredited or not."""

    event_name: ClassVar[str] = "training.completed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "learner-records/{record_id}"

    record_id: uuid.UUID
    person_id: str
    org_code: str
    programme_code: str
    category: Category
    completed_at: datetime
    accredited: bool
    provider_id: uuid.UUID | None = None


class TrainingAccredited(Event):
    """A completion was delivered by an accredited provider and earned a credential."""

    event_name: ClassVar[str] = "training.accredited"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "credentials/{credential_id}"

    record_id: uuid.UUID
    credential_id: uuid.UUID
    person_id: str
    org_code: str
    programme_code: str
    standards: list[str]
    levels: list[Level]
    awarded_at: datetime
    expires_at: datetime | None
    completed_at: datetime
    provider_id: uuid.UUID
