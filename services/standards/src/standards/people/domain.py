"""Pure rules of the people projection."""

from datetime import UTC, datetime


def event_instant(time: datetime) -> datetime:
    """An event's time as an aware UTC instant (a producer omitting the offset meant UTC)."""
    if time.tzinfo is None:
        return time.replace(tzinfo=UTC)
    return time.astimezone(UTC)
