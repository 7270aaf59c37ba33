"""Events about board appointments (ARCHITECTURE §5 catalogue). Keyed by person so everything
about one board member stays in order; subjects name the appointment, never the person."""

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from shared.events.model import Event

SeatRoleCode = Literal[
    "chair", "non_executive", "associate_non_executive", "partner_member", "executive"
]
# ``icb``: an ICB's non-executive and partner members, appointed by the ICB itself (a
# provisional rule, decision 0014); readers should take unknown codes as they come.
AppointingBodyCode = Literal["nhs_england", "council_of_governors", "icb"]


class NedAppointed(Event):
    """An appointment took effect: its fit and proper person test passed."""

    event_name: ClassVar[str] = "ned.appointed"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "appointments/{appointment_id}"

    appointment_id: uuid.UUID
    person_id: str
    org_code: str
    seat_id: uuid.UUID
    seat_role: SeatRoleCode
    term_start: date
    term_end: date
    term_number: int
    appointing_body: AppointingBodyCode
    appointed_at: datetime


class NedTermEnded(Event):
    """A board member's term ended (expiry, resignation, removal ...)."""

    event_name: ClassVar[str] = "ned.term.ended"
    key_field: ClassVar[str] = "person_id"
    subject_template: ClassVar[str] = "appointments/{appointment_id}"

    appointment_id: uuid.UUID
    person_id: str
    org_code: str
    seat_id: uuid.UUID
    seat_role: SeatRoleCode
    term_start: date
    term_end: date
    term_number: int
    ended_on: date
    reason_code: str
