"""Events about issued credentials (ARCHITECTURE §5 catalogue)."""

import uuid
from datetime import datetime
from typing import ClassVar

from shared.events.model import Event


class CredentialRevoked(Event):
    """A credential no longer attests anything; its status-list bit is set."""

    event_name: ClassVar[str] = "credential.revoked"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "credentials/{credential_id}"

    credential_id: uuid.UUID
    person_id: str
    org_code: str
    programme_code: str
    reason_code: str
    revoked_at: datetime
