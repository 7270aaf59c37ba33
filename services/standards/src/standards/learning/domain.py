"""Pure rules for learner records: when a completion is believable, when a credential expires."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

# Nothing was completed in the NHS before the NHS existed: an earlier date is a typing error.
EARLIEST_COMPLETION = datetime(1948, 7, 5, tzinfo=UTC)


class ImplausibleCompletion(ValueError):
    pass


def check_completed_at(completed_at: datetime, *, now: datetime, clock_skew: timedelta) -> None:
    """Refuse completions in the future (beyond the reporter's clock skew) or before 1948."""
    if completed_at.tzinfo is None:
        raise ImplausibleCompletion("completed_at needs a time zone (RFC 3339, e.g. ...Z)")
    if completed_at > now + clock_skew:
        raise ImplausibleCompletion("completed_at is in the future")
    if completed_at < EARLIEST_COMPLETION:
        raise ImplausibleCompletion("completed_at is before the NHS existed (5 July 1948)")


def add_months(moment: datetime, months: int) -> datetime:
    """Same day and time ``months`` later; the 31st becomes the last day of a shorter month."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def credential_expiry(completed_at: datetime, validity_months: int | None) -> datetime | None:
    """When a credential stops being current: refresher intervals run from the completion."""
    if validity_months is None:
        return None
    return add_months(completed_at.astimezone(UTC), validity_months)


def is_current(expires_at: datetime | None, *, revoked: bool, now: datetime) -> bool:
    return not revoked and (expires_at is None or now < expires_at)
