"""Events about training providers (ARCHITECTURE §5 catalogue)."""

import uuid
from datetime import date, datetime
from typing import ClassVar

from shared.events.model import Event
from standards.providers.domain import AccreditationStatus


class ProviderAccreditationChanged(Event):
    """A decision of a provider's accreditation lifecycle for one programme was recorded."""

    event_name: ClassVar[str] = "provider.accreditation.changed"
    key_field: ClassVar[str] = "provider_id"
    subject_template: ClassVar[str] = "providers/{provider_id}"

    provider_id: uuid.UUID
    programme_code: str
    status: AccreditationStatus
    valid_from: date
    valid_to: date | None
    accreditation_id: uuid.UUID
    changed_at: datetime
    previous_status: AccreditationStatus | None = None
    # Whether completions delivered under this decision count as accredited training.
    live: bool = False
    reason_code: str | None = None
