"""Pure rules about the people projection."""

from datetime import UTC, datetime
from enum import StrEnum


class EmploymentStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


def as_utc(moment: datetime) -> datetime:
    # A CloudEvents time without an offset is read as UTC rather than local time, so two
    # producers in different zones still compare correctly.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def has_left(status: str) -> bool:
    return status == EmploymentStatus.LEFT
