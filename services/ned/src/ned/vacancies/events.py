"""Events about board vacancies (ARCHITECTURE §5 catalogue), keyed by organisation."""

import uuid
from datetime import date, datetime
from typing import ClassVar

from ned.appointments.events import AppointingBodyCode, SeatRoleCode
from shared.events.model import Event


class VacancyOpened(Event):
    """A board seat is advertised, with the body that will decide the appointment."""

    event_name: ClassVar[str] = "vacancy.opened"
    key_field: ClassVar[str] = "org_code"
    subject_template: ClassVar[str] = "vacancies/{vacancy_id}"

    vacancy_id: uuid.UUID
    org_code: str
    seat_id: uuid.UUID
    seat_role: SeatRoleCode
    appointing_body: AppointingBodyCode
    closing_date: date
    opened_at: datetime
