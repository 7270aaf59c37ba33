"""Pure rules about terms and tenure on a board (code of governance for NHS provider trusts,
section 4.3, as summarised in NHS England's code and its terms and conditions for chairs and
NEDs).

* A chair or NED should not serve beyond nine years from first appointment to the board, and
  any service beyond six years needs a rigorous review.
* The nine-year limit may be exceeded for a limited time (notably when a NED becomes chair),
  each extension explained and agreed with NHS England.
* A NED who becomes chair after a NED term does not trigger the six-year review after their
  first years as chair: the review clock of a chair who came from the board's NEDs runs from
  the chair appointment, while the nine-year limit still counts every year on the board.

Service is counted in days actually served, gaps excluded and overlapping terms counted once.
A year is 365 days plus the leap days it can hold, taken at their most generous (six years are
2,192 days, nine years 3,288), so a run of exact three-year terms never trips a limit by the
accident of where February 29th falls.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from ned.boards.domain import SeatRole

REVIEW_AFTER_YEARS = 6
LIMIT_YEARS = 9
FORECAST_HORIZONS_MONTHS = (6, 12, 18)
# The longest first term the national terms and conditions offer (up to four years for NHS
# trust chairs and NEDs); a longer single term is a data entry error, not a policy choice.
MAX_TERM_YEARS = 4


class AppointmentStatus(StrEnum):
    PENDING_FPPT = "pending_fppt"
    ACTIVE = "active"
    ENDED = "ended"
    WITHDRAWN = "withdrawn"


class TermEndReason(StrEnum):
    TERM_EXPIRED = "term_expired"
    RESIGNED = "resigned"
    REMOVED = "removed"
    APPOINTED_TO_OTHER_SEAT = "appointed_to_other_seat"
    DIED = "died"
    OTHER = "other"


class ExtensionReason(StrEnum):
    NED_BECOMING_CHAIR = "ned_becoming_chair"
    BOARD_STABILITY = "board_stability"
    MERGER_OR_TRANSITION = "merger_or_transition"
    OTHER = "other"


def years_in_days(years: int) -> int:
    """The most days ``years`` calendar years can span (every possible leap day included)."""
    return years * 365 + (years + 3) // 4


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Term:
    """Service on one board: ``start`` to ``end``, both days included."""

    role: SeatRole
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a term cannot end before it starts")


def served_days(terms: Iterable[Term]) -> int:
    """Days covered by any of the terms, each day counted once."""
    total = 0
    current_start: date | None = None
    current_end: date | None = None
    for term in sorted(terms, key=lambda t: (t.start, t.end)):
        if current_end is not None and term.start <= current_end + timedelta(days=1):
            current_end = max(current_end, term.end)
            continue
        if current_start is not None and current_end is not None:
            total += (current_end - current_start).days + 1
        current_start, current_end = term.start, term.end
    if current_start is not None and current_end is not None:
        total += (current_end - current_start).days + 1
    return total


@dataclass(frozen=True, slots=True)
class TenureAssessment:
    served_days: int
    review_clock_days: int
    review_required: bool
    over_limit: bool
    extension_covers: bool
    ned_to_chair: bool

    @property
    def blocked(self) -> bool:
        return self.over_limit and not self.extension_covers

    @property
    def served_years(self) -> float:
        return round(self.served_days / 365.25, 2)


def assess_tenure(
    previous: Sequence[Term], proposed: Term, *, extension_to: date | None
) -> TenureAssessment:
    """The tenure a board member would reach with ``proposed`` after their ``previous`` terms
    on the same board, and whether it needs review or is blocked.

    ``extension_to`` is the last day an NHS England-agreed extension covers, if one exists.
    """
    everything = [*previous, proposed]
    total = served_days(everything)
    ned_to_chair = proposed.role is SeatRole.CHAIR and any(
        term.role in (SeatRole.NON_EXECUTIVE, SeatRole.ASSOCIATE_NON_EXECUTIVE) for term in previous
    )
    # The review clock of a NED turned chair starts at the chair appointment (see module doc).
    review_terms = (
        [t for t in everything if t.role is SeatRole.CHAIR] if ned_to_chair else everything
    )
    review_clock = served_days(review_terms)
    over_limit = total > years_in_days(LIMIT_YEARS)
    return TenureAssessment(
        served_days=total,
        review_clock_days=review_clock,
        review_required=review_clock > years_in_days(REVIEW_AFTER_YEARS),
        over_limit=over_limit,
        extension_covers=extension_to is not None and extension_to >= proposed.end,
        ned_to_chair=ned_to_chair,
    )


def term_number(previous: Sequence[Term], proposed_role: SeatRole) -> int:
    """The ordinal of a new term on the board: terms in the same kind of role so far, plus one.

    A NED who becomes chair starts again at term 1 as chair (their tenure still counts all).
    """
    return sum(1 for term in previous if term.role is proposed_role) + 1


class TermRuleError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_term(start: date, end: date) -> None:
    if end <= start:
        raise TermRuleError("body.term_end", "a term must end after it starts")
    if end > add_years(start, MAX_TERM_YEARS):
        raise TermRuleError(
            "body.term_end", f"a single term runs for {MAX_TERM_YEARS} years at most"
        )


@dataclass(frozen=True, slots=True)
class ForecastCounts:
    """Terms ending within each horizon (cumulative: 12 months includes the first 6), and
    ``overdue``: terms whose planned end has passed while the holder is still recorded in post,
    which is either a late record or a seat held without a term."""

    overdue: int
    within_6_months: int
    within_12_months: int
    within_18_months: int


def forecast(term_ends: Iterable[date], as_of: date) -> ForecastCounts:
    """How many of the terms ending on ``term_ends`` end after ``as_of`` and by each horizon."""
    limits = [add_months(as_of, months) for months in FORECAST_HORIZONS_MONTHS]
    overdue = 0
    counts = [0, 0, 0]
    for end in term_ends:
        if end < as_of:
            overdue += 1
            continue
        for index, limit in enumerate(limits):
            if end <= limit:
                counts[index] += 1
    return ForecastCounts(overdue, *counts)
