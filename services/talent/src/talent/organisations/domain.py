"""Pure rules of organisations under NHS oversight: segments, what "challenged" means, and
dated ICB membership.

The NHS Oversight Framework 2025/26 places each provider in a segment from 1 (no specific
support needs) to 4, and in segment 5 when it receives intensive support through the Provider
Improvement Programme (successor of the Recovery Support Programme). Source: NHS England,
"NHS Oversight Framework 2025/26" (PRN02028, 26 June 2025) and its methodology manual.
Whether segment 5 survives in 2026/27 is not settled, so 5 stays valid here but optional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

LOWEST_SEGMENT = 1
INTENSIVE_SUPPORT_SEGMENT = 5
# Segment 4 means mandated intensive support, 5 the Provider Improvement Programme: both are the
# organisations the Messenger review's recommendation 7 wants the best leaders to go to.
DEFAULT_CHALLENGED_FROM_SEGMENT = 4


def is_challenged(
    segment: int | None, *, challenged_from: int = DEFAULT_CHALLENGED_FROM_SEGMENT
) -> bool:
    """An organisation is challenged when its current segment is at or past the threshold.

    An organisation never segmented is not challenged: absence of a rating is not a finding.
    """
    return segment is not None and segment >= challenged_from


@dataclass(frozen=True, slots=True)
class DatedPeriod:
    """A half-open period [effective_from, effective_to); ``effective_to`` None is open-ended."""

    effective_from: date
    effective_to: date | None

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


def membership_on(periods: list[tuple[str, DatedPeriod]], day: date) -> str | None:
    """The ICB an organisation belonged to on ``day``, from its dated memberships."""
    for icb_code, period in periods:
        if period.covers(day):
            return icb_code
    return None


def close_for_change(current: DatedPeriod, change_from: date) -> str | None:
    """Why a footprint change from ``change_from`` cannot close the current membership, if so.

    The new membership must start after the current one began, or the history would have a
    period that ends before it starts.
    """
    if change_from <= current.effective_from:
        return (
            f"the current membership began on {current.effective_from.isoformat()}; a change must "
            "take effect after that day"
        )
    return None
