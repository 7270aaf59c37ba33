"""Board references: the NHS England standard reference for anyone leaving an NHS board.

Source: NHS England fit and proper person test framework (PRN00238_i, August 2023) and NHS
Employers' summary: a standard board reference is written for every board member who leaves, for
any reason; it records ongoing or discontinued complaints and disciplinary matters; it is held
until the person's 75th birthday; a board appointing someone asks for it after a provisional offer.
The template's section headings are not public in full, so the record holds the facts the
framework names, as codes, and one bounded statement.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

RETENTION_AGE_YEARS = 75


class LeavingReason(StrEnum):
    TERM_ENDED = "term_ended"
    RESIGNED = "resigned"
    RETIRED = "retired"
    REMOVED = "removed"
    DISMISSED = "dismissed"
    ORGANISATION_CHANGED = "organisation_changed"  # merger, dissolution of the body
    OTHER = "other"


class MatterKind(StrEnum):
    COMPLAINT = "complaint"
    DISCIPLINARY = "disciplinary"
    INVESTIGATION = "investigation"


class MatterStatus(StrEnum):
    ONGOING = "ongoing"
    DISCONTINUED = "discontinued"
    CONCLUDED_UPHELD = "concluded_upheld"
    CONCLUDED_NOT_UPHELD = "concluded_not_upheld"


class ReleasePurpose(StrEnum):
    BOARD_APPOINTMENT = "board_appointment"
    FPPT_ANNUAL = "fppt_annual"
    REGULATORY_REQUEST = "regulatory_request"


def retain_until(date_of_birth: date) -> date:
    """The person's 75th birthday: the reference is kept until then and purged on that day.

    Someone born on 29 February has, in a common year, their birthday counted from 1 March: the
    later of the two candidate days, so the record is never purged early.
    """
    year = date_of_birth.year + RETENTION_AGE_YEARS
    try:
        return date_of_birth.replace(year=year)
    except ValueError:
        return date(year, 3, 1)


def is_expired(retention_date: date, today: date) -> bool:
    return today >= retention_date
