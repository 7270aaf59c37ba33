"""Pure rules of assignment and compliance: who must complete what, by when, and where each
person stands on a given day.

An assignment rule names a programme, an audience (everyone, new joiners, line managers, and
optionally only some staff groups) and the number of days after joining (or after the rule took
effect, for people already in post) within which it must be completed. A programme with a
validity (a CSTF refresher interval) must be completed again before each completion expires.
The rules are configuration (DOMAIN §7.1, §11: the national intervals are not confirmed).

Statuses of one requirement on a day:

* ``complete``: a completion that has not expired, and will not within the warning window;
* ``expiring``: complete, but expiring within the window (90 days);
* ``not_yet_due``: never completed (or no completion yet), and the due date has not passed;
* ``overdue``: never completed and the due date has passed;
* ``expired``: completed once, but the completion has expired: the refresher is due now.

A person's statutory and mandatory training is complete when every requirement of that
category is ``complete`` or ``expiring``; this is what Agenda for Change pay progression asks
(DOMAIN §7.1, condition 4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

EXPIRING_WINDOW = timedelta(days=90)
# Due dates and expiries are English calendar dates, like accreditation windows.
COMPLIANCE_TIMEZONE = ZoneInfo("Europe/London")
STATUTORY_MANDATORY = "statutory_mandatory"


class Audience(StrEnum):
    ALL_STAFF = "all_staff"
    NEW_JOINERS = "new_joiners"
    LINE_MANAGERS = "line_managers"


class ItemStatus(StrEnum):
    COMPLETE = "complete"
    EXPIRING = "expiring"
    NOT_YET_DUE = "not_yet_due"
    OVERDUE = "overdue"
    EXPIRED = "expired"


CURRENT = frozenset({ItemStatus.COMPLETE, ItemStatus.EXPIRING})


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    programme_code: str
    audience: Audience
    due_days: int
    staff_groups: frozenset[str] | None = None
    # new joiners: only people who started on or after this day (the induction is new)
    joined_on_or_after: date | None = None
    # people already in post when the rule took effect are due from this day, not their start
    effective_from: date | None = None


@dataclass(frozen=True, slots=True)
class PersonFacts:
    start_date: date | None
    is_line_manager: bool
    staff_group: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class ProgrammeFacts:
    code: str
    category: str
    validity_months: int | None


@dataclass(frozen=True, slots=True)
class Completion:
    programme_code: str
    completed_at: datetime


@dataclass(frozen=True, slots=True)
class Requirement:
    programme_code: str
    category: str
    due_on: date
    status: ItemStatus
    completed_at: datetime | None
    expires_on: date | None
    rule_codes: tuple[str, ...]

    @property
    def next_change_on(self) -> date | None:
        """The first day this requirement's status would change if nothing else happened."""
        if self.status is ItemStatus.NOT_YET_DUE:
            return self.due_on + timedelta(days=1)
        if self.status is ItemStatus.COMPLETE and self.expires_on is not None:
            return self.expires_on - EXPIRING_WINDOW
        if self.status is ItemStatus.EXPIRING:
            return self.expires_on
        return None


@dataclass(frozen=True, slots=True)
class Summary:
    """What `compliance.changed` carries; a recompute that finds the same summary is no news."""

    applicable: bool
    statutory_mandatory_complete: bool
    overdue: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()
    expiring: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Determination:
    summary: Summary
    requirements: tuple[Requirement, ...] = field(default_factory=tuple)

    @property
    def next_review_on(self) -> date | None:
        days = [r.next_change_on for r in self.requirements if r.next_change_on is not None]
        return min(days, default=None)


def english_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        raise ValueError("an instant needs a time zone")
    return moment.astimezone(COMPLIANCE_TIMEZONE).date()


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months; the 31st becomes the month's last day when it has fewer."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def applies(rule: Rule, person: PersonFacts) -> bool:
    if rule.staff_groups is not None and person.staff_group not in rule.staff_groups:
        return False
    if rule.audience is Audience.LINE_MANAGERS:
        return person.is_line_manager
    if rule.audience is Audience.NEW_JOINERS:
        return (
            person.start_date is not None
            and rule.joined_on_or_after is not None
            and person.start_date >= rule.joined_on_or_after
        )
    return True


def due_on(rule: Rule, person: PersonFacts) -> date | None:
    """Joining day (or the rule's start, if later) plus the rule's days; None when the service
    knows neither, and so cannot say when it falls due."""
    starts = [day for day in (person.start_date, rule.effective_from) if day is not None]
    if not starts:
        return None
    return max(starts) + timedelta(days=rule.due_days)


def _status(
    due: date, latest: Completion | None, expires_on: date | None, today: date
) -> ItemStatus:
    if latest is None:
        return ItemStatus.OVERDUE if today > due else ItemStatus.NOT_YET_DUE
    if expires_on is not None and today >= expires_on:
        return ItemStatus.EXPIRED
    if expires_on is not None and expires_on - today <= EXPIRING_WINDOW:
        return ItemStatus.EXPIRING
    return ItemStatus.COMPLETE


def determine(
    *,
    person: PersonFacts,
    rules: Iterable[Rule],
    programmes: dict[str, ProgrammeFacts],
    completions: Iterable[Completion],
    as_of: datetime,
) -> Determination:
    """Each requirement's status for ``person`` on the English day of ``as_of``.

    Two rules naming one programme make one requirement, due on the earlier day. Completions
    after ``as_of`` are ignored, so a determination for a past day is reproducible.
    """
    if not person.active:
        return Determination(Summary(applicable=False, statutory_mandatory_complete=False))
    today = english_day(as_of)
    due_by_programme: dict[str, tuple[date, list[str]]] = {}
    for rule in rules:
        if rule.programme_code not in programmes or not applies(rule, person):
            continue
        due = due_on(rule, person)
        if due is None:
            continue
        earlier, codes = due_by_programme.get(rule.programme_code, (due, []))
        due_by_programme[rule.programme_code] = (min(earlier, due), [*codes, rule.code])

    latest: dict[str, Completion] = {}
    for completion in completions:
        if completion.completed_at > as_of:
            continue
        known = latest.get(completion.programme_code)
        if known is None or completion.completed_at > known.completed_at:
            latest[completion.programme_code] = completion

    requirements = []
    for code in sorted(due_by_programme):
        due, rule_codes = due_by_programme[code]
        programme = programmes[code]
        done = latest.get(code)
        expires_on = (
            add_months(english_day(done.completed_at), programme.validity_months)
            if done is not None and programme.validity_months is not None
            else None
        )
        requirements.append(
            Requirement(
                programme_code=code,
                category=programme.category,
                due_on=due,
                status=_status(due, done, expires_on, today),
                completed_at=done.completed_at if done is not None else None,
                expires_on=expires_on,
                rule_codes=tuple(sorted(rule_codes)),
            )
        )
    return Determination(summarise(requirements), tuple(requirements))


def _codes(requirements: Sequence[Requirement], status: ItemStatus) -> tuple[str, ...]:
    return tuple(sorted(r.programme_code for r in requirements if r.status is status))


def summarise(requirements: Sequence[Requirement]) -> Summary:
    return Summary(
        applicable=True,
        statutory_mandatory_complete=all(
            r.status in CURRENT for r in requirements if r.category == STATUTORY_MANDATORY
        ),
        overdue=_codes(requirements, ItemStatus.OVERDUE),
        expired=_codes(requirements, ItemStatus.EXPIRED),
        expiring=_codes(requirements, ItemStatus.EXPIRING),
    )
