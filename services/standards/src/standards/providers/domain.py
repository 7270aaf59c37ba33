"""Accreditation of training providers: the decision state machine and what holds on a given day.

Accreditation is kept as an append-only log of decisions per provider and programme. Each decision
has a status and a validity window; on any day, the latest decision whose window covers that day
says whether the provider was accredited. The log is the audit trail (who suspended whom, from
when), and the question a learner record asks ("accredited when this person completed?") is
answered for the completion's date, not for today.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

# Accreditation windows are English calendar dates; a completion at 23:30 UTC in summer
# happened on the next day there.
ACCREDITATION_TIMEZONE = ZoneInfo("Europe/London")


class AccreditationStatus(StrEnum):
    """The lifecycle of a provider's accreditation for one programme.

    applied → under_review → accredited | accredited_with_conditions → suspended →
    withdrawn | expired. Only the two accredited states are live: a completion delivered
    under one of them is accredited training.
    """

    APPLIED = "applied"
    UNDER_REVIEW = "under_review"
    ACCREDITED = "accredited"
    ACCREDITED_WITH_CONDITIONS = "accredited_with_conditions"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


LIVE_STATUSES: frozenset[AccreditationStatus] = frozenset(
    {AccreditationStatus.ACCREDITED, AccreditationStatus.ACCREDITED_WITH_CONDITIONS}
)
_GRANTS = LIVE_STATUSES
# Starting again: a fresh application, or a grant recorded without one (an accreditation
# awarded before the provider joined this register, entered by the national team).
_FRESH_START = frozenset({AccreditationStatus.APPLIED}) | _GRANTS

# What may follow the latest decision for a provider and programme. A suspension can be lifted
# (back to a grant), can end in withdrawal, or can run out with the accreditation's term; a
# withdrawn or expired accreditation only starts again from the beginning.
_ALLOWED_NEXT: dict[AccreditationStatus | None, frozenset[AccreditationStatus]] = {
    None: _FRESH_START,
    AccreditationStatus.APPLIED: frozenset(
        {AccreditationStatus.UNDER_REVIEW, AccreditationStatus.WITHDRAWN}
    ),
    AccreditationStatus.UNDER_REVIEW: _GRANTS | {AccreditationStatus.WITHDRAWN},
    AccreditationStatus.ACCREDITED: _GRANTS
    | {
        AccreditationStatus.SUSPENDED,
        AccreditationStatus.WITHDRAWN,
        AccreditationStatus.EXPIRED,
    },
    AccreditationStatus.ACCREDITED_WITH_CONDITIONS: _GRANTS
    | {
        AccreditationStatus.SUSPENDED,
        AccreditationStatus.WITHDRAWN,
        AccreditationStatus.EXPIRED,
    },
    AccreditationStatus.SUSPENDED: _GRANTS
    | {
        AccreditationStatus.SUSPENDED,
        AccreditationStatus.WITHDRAWN,
        AccreditationStatus.EXPIRED,
    },
    AccreditationStatus.WITHDRAWN: _FRESH_START,
    AccreditationStatus.EXPIRED: _FRESH_START,
}


def is_live(status: AccreditationStatus) -> bool:
    return status in LIVE_STATUSES


class ConditionsMismatch(ValueError):
    """Conditions belong to `accredited_with_conditions`, and that status needs some."""


def check_conditions(status: AccreditationStatus, conditions: list[str]) -> None:
    if status is AccreditationStatus.ACCREDITED_WITH_CONDITIONS and not conditions:
        raise ConditionsMismatch("accredited_with_conditions needs at least one condition")
    if status is not AccreditationStatus.ACCREDITED_WITH_CONDITIONS and conditions:
        raise ConditionsMismatch(f"a decision of '{status.value}' carries no conditions")


class InvalidAccreditationTransition(Exception):
    def __init__(self, current: AccreditationStatus | None, requested: AccreditationStatus) -> None:
        self.current = current
        self.requested = requested
        was = current.value if current is not None else "never accredited"
        super().__init__(f"cannot record '{requested.value}' for a programme that is {was}")


def check_transition(current: AccreditationStatus | None, requested: AccreditationStatus) -> None:
    if requested not in _ALLOWED_NEXT[current]:
        raise InvalidAccreditationTransition(current, requested)


@dataclass(frozen=True, slots=True)
class Decision:
    """One accreditation decision; ``seq`` orders decisions by when they were recorded."""

    seq: int
    status: AccreditationStatus
    valid_from: date
    valid_to: date | None  # inclusive; None: until a later decision says otherwise

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def decision_on(decisions: Iterable[Decision], day: date) -> Decision | None:
    """The decision in force on ``day``: the latest recorded one whose window covers it."""
    covering = [decision for decision in decisions if decision.covers(day)]
    return max(covering, key=lambda decision: decision.seq, default=None)


def accredited_on(decisions: Iterable[Decision], day: date) -> bool:
    """Whether a live grant (with or without conditions) was in force on ``day``."""
    decision = decision_on(decisions, day)
    return decision is not None and is_live(decision.status)


@dataclass(frozen=True, slots=True)
class Lapse:
    """A live grant whose window has ended with nothing recorded after it."""

    seq: int
    status: AccreditationStatus
    valid_to: date


def lapsed(latest: Decision, today: date) -> Lapse | None:
    """The grant to mark expired, when the latest decision is a live one that ended before
    ``today``. Suspensions with an end date are not expiries: they lapse back to the grant."""
    if not is_live(latest.status) or latest.valid_to is None or latest.valid_to >= today:
        return None
    return Lapse(seq=latest.seq, status=latest.status, valid_to=latest.valid_to)


def accreditation_day(moment: datetime) -> date:
    """The English calendar day of an instant, for comparing with accreditation windows."""
    if moment.tzinfo is None:
        raise ValueError("an instant needs a time zone")
    return moment.astimezone(ACCREDITATION_TIMEZONE).date()
