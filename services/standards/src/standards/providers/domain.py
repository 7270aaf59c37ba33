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
    ACCREDITED = "accredited"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"


# What may follow the latest decision for a provider and programme. A first decision must grant
# accreditation (nothing to suspend or withdraw yet); a withdrawn provider can only be accredited
# afresh, never "suspended" back into a relationship that ended.
_ALLOWED_NEXT: dict[AccreditationStatus | None, frozenset[AccreditationStatus]] = {
    None: frozenset({AccreditationStatus.ACCREDITED}),
    AccreditationStatus.ACCREDITED: frozenset(AccreditationStatus),
    AccreditationStatus.SUSPENDED: frozenset(AccreditationStatus),
    AccreditationStatus.WITHDRAWN: frozenset({AccreditationStatus.ACCREDITED}),
}


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
    decision = decision_on(decisions, day)
    return decision is not None and decision.status is AccreditationStatus.ACCREDITED


def accreditation_day(moment: datetime) -> date:
    """The English calendar day of an instant, for comparing with accreditation windows."""
    if moment.tzinfo is None:
        raise ValueError("an instant needs a time zone")
    return moment.astimezone(ACCREDITATION_TIMEZONE).date()
