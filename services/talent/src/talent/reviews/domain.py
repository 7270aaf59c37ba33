"""Pure rules of talent reviews and the 9-box.

Performance is the appraisal's: what was delivered (performance outcome) and how (behaviour
outcome), on the national appraisal's four-point scales. Potential is assessed in the review
against the four indicators NHS talent management uses (aspiration, engagement, ability and
the leadership values), each scored 1 (low) to 3 (high). The two place a person in one of nine
boxes; moderation may move them, and every move is kept with who made it and why.

Box numbering: 1 is low potential and low performance, 9 high and high; the box is
``3 * potential + performance + 1`` with each axis low 0, moderate 1, high 2.
"""

from __future__ import annotations

from enum import StrEnum


class Rating(StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class ReviewStatus(StrEnum):
    ASSESSING = "assessing"
    MODERATING = "moderating"
    CLOSED = "closed"


REVIEW_TRANSITIONS = {
    ReviewStatus.ASSESSING: frozenset({ReviewStatus.MODERATING}),
    ReviewStatus.MODERATING: frozenset({ReviewStatus.CLOSED}),
    ReviewStatus.CLOSED: frozenset(),
}

_SCALE = {"not_met": 0, "partially_meets": 1, "meets": 2, "exceeds": 3}
_INDEX = {Rating.LOW: 0, Rating.MODERATE: 1, Rating.HIGH: 2}


class NoPerformanceEvidence(ValueError):
    """No completed appraisal (or only a reopened one) to take performance from."""


def performance(performance_outcome: str | None, behaviour_outcome: str | None) -> Rating:
    """High when both the what and the how at least meet and one exceeds; moderate when both
    meet; low when either falls short (the how counts as much as the what)."""
    what = _SCALE.get(performance_outcome or "")
    how = _SCALE.get(behaviour_outcome or "")
    if what is None or how is None:
        raise NoPerformanceEvidence("the appraisal has no outcome on the national scale")
    if min(what, how) < 2:
        return Rating.LOW
    if max(what, how) == 3:
        return Rating.HIGH
    return Rating.MODERATE


def potential(*, aspiration: int, engagement: int, ability: int, leadership_values: int) -> Rating:
    """Four indicators scored 1-3: 4-6 low, 7-9 moderate, 10-12 high."""
    total = aspiration + engagement + ability + leadership_values
    if total >= 10:
        return Rating.HIGH
    if total >= 7:
        return Rating.MODERATE
    return Rating.LOW


def box(*, performance_rating: Rating, potential_rating: Rating) -> int:
    return 3 * _INDEX[potential_rating] + _INDEX[performance_rating] + 1


def can_move(status: ReviewStatus) -> bool:
    """People move between boxes only in moderation."""
    return status is ReviewStatus.MODERATING


def can_assess(status: ReviewStatus) -> bool:
    return status is ReviewStatus.ASSESSING
