"""The standards events this area reads, as tolerant readers: only the fields used here."""

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import Field, field_validator

from shared.events.model import Event

_PERSON_ID = r"^[A-Za-z0-9-]{1,20}$"


class TrainingAccredited(Event):
    """standards' leadership.training.accredited.v1: a credential was awarded."""

    event_name: ClassVar[str] = "training.accredited"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "credentials/{credential_id}"

    credential_id: uuid.UUID
    person_id: str = Field(pattern=_PERSON_ID)
    programme_code: str = Field(max_length=40)
    awarded_at: datetime
    expires_at: datetime | None = None

    @field_validator("programme_code")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class CredentialRevoked(Event):
    """standards' leadership.credential.revoked.v1: a credential no longer stands."""

    event_name: ClassVar[str] = "credential.revoked"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "credentials/{credential_id}"

    credential_id: uuid.UUID
    person_id: str = Field(pattern=_PERSON_ID)
    # Text, not an enum: a reason standards adds later must not dead-letter the revocation.
    reason_code: str | None = Field(default=None, max_length=40)
    revoked_at: datetime
