"""The event the FPPT publishes: the outcome of a signed-off test, never its evidence."""

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import Field

from ned.fppt.domain import AssessmentKind, Outcome, SignOffRole
from shared.events.model import Event

PERSON_ID_PATTERN = r"^[A-Za-z0-9-]{1,20}$"
ORG_CODE_PATTERN = r"^[A-Z0-9]{3,5}$"


class FpptAssessed(Event):
    """A fit and proper person test was signed off, passing or failing.

    A pass on an ``appointment`` test is what lets a pending appointment take effect (the
    appointment's own ``ned.appointed`` follows in the same transaction).
    """

    event_name: ClassVar[str] = "fppt.assessed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "fppt-assessments/{assessment_id}"

    assessment_id: uuid.UUID
    person_id: str = Field(pattern=PERSON_ID_PATTERN)
    org_code: str = Field(pattern=ORG_CODE_PATTERN)
    kind: AssessmentKind
    outcome: Outcome
    appointment_id: uuid.UUID | None = Field(description="Set for appointment tests")
    year: int | None = Field(description="Financial year of an annual test (2026 is 2026/27)")
    assessed_at: datetime
    signed_off_by_role: SignOffRole | None
