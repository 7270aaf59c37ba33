"""Pure rules of the talent profile: what each incoming event does to what is recorded.

Events reach the profile at least once and, across topics or after a replay, not always in the
order they happened. The inbox removes exact redeliveries (same ce_id); these rules deal with
the rest: the same fact sent again under a new id, an older fact arriving after a newer one,
and a fact about something not seen yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class EventOutcome(StrEnum):
    APPLIED = "applied"
    # The fact is already recorded (a producer retry under a new event id).
    DUPLICATE = "duplicate"
    # Older than what is recorded; recording it would turn the profile back in time.
    STALE = "stale"
    # About something this profile never saw (e.g. reopening an appraisal never completed here).
    UNKNOWN_SUBJECT = "unknown_subject"
    # The identifier is recorded for another person: a producer fault, never applied.
    PERSON_MISMATCH = "person_mismatch"


class CredentialStatus(StrEnum):
    HELD = "held"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class CredentialState:
    person_id: str
    awarded_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class AppraisalState:
    person_id: str
    completed_at: datetime
    reopened_at: datetime | None


def accreditation_outcome(recorded: CredentialState | None, *, person_id: str) -> EventOutcome:
    """A credential is recorded once per credential_id, whatever the number of deliveries."""
    if recorded is None:
        return EventOutcome.APPLIED
    if recorded.person_id != person_id:
        return EventOutcome.PERSON_MISMATCH
    if recorded.awarded_at is None:
        # Only its revocation was known so far: fill in the award, and it stays revoked.
        return EventOutcome.APPLIED
    return EventOutcome.DUPLICATE


def revocation_outcome(recorded: CredentialState | None, *, person_id: str) -> EventOutcome:
    """A revocation is kept even before its credential is known, so it can never be lost."""
    if recorded is None:
        return EventOutcome.APPLIED
    if recorded.person_id != person_id:
        return EventOutcome.PERSON_MISMATCH
    if recorded.revoked_at is not None:
        return EventOutcome.DUPLICATE
    return EventOutcome.APPLIED


def credential_status(
    *, revoked_at: datetime | None, expires_at: datetime | None, now: datetime
) -> CredentialStatus:
    if revoked_at is not None:
        return CredentialStatus.REVOKED
    if expires_at is not None and expires_at <= now:
        return CredentialStatus.EXPIRED
    return CredentialStatus.HELD


def completion_outcome(
    recorded: AppraisalState | None, *, person_id: str, completed_at: datetime
) -> EventOutcome:
    """One appraisal completes once, or again later after being reopened."""
    if recorded is None:
        return EventOutcome.APPLIED
    if recorded.person_id != person_id:
        return EventOutcome.PERSON_MISMATCH
    if completed_at > recorded.completed_at:
        return EventOutcome.APPLIED
    if completed_at == recorded.completed_at:
        return EventOutcome.DUPLICATE
    return EventOutcome.STALE


def reopen_outcome(
    recorded: AppraisalState | None, *, person_id: str, reopened_at: datetime
) -> EventOutcome:
    if recorded is None:
        return EventOutcome.UNKNOWN_SUBJECT
    if recorded.person_id != person_id:
        return EventOutcome.PERSON_MISMATCH
    if reopened_at < recorded.completed_at:
        # It reopened an earlier completion that a later one has already replaced.
        return EventOutcome.STALE
    if recorded.reopened_at is not None and reopened_at <= recorded.reopened_at:
        return EventOutcome.DUPLICATE
    return EventOutcome.APPLIED


@dataclass(frozen=True, slots=True)
class DeterminationState:
    determination_id: str
    as_of: datetime


def determination_outcome(
    recorded: DeterminationState | None, *, determination_id: str, as_of: datetime
) -> EventOutcome:
    """Standards announces the whole current determination each time: the newest one wins.

    Eligibility is kept per (person, level) and compliance per person; an announcement older
    than the recorded one (a late delivery, or a replay of another partition) is not applied.
    """
    if recorded is None:
        return EventOutcome.APPLIED
    if recorded.determination_id == determination_id:
        return EventOutcome.DUPLICATE
    if as_of < recorded.as_of:
        return EventOutcome.STALE
    return EventOutcome.APPLIED


def once_per_id_outcome(recorded_person_id: str | None, *, person_id: str) -> EventOutcome:
    """A fact with its own identity (an FPPT assessment, an appointment) is recorded once."""
    if recorded_person_id is None:
        return EventOutcome.APPLIED
    if recorded_person_id != person_id:
        return EventOutcome.PERSON_MISMATCH
    return EventOutcome.DUPLICATE


def term_end_outcome(
    recorded_person_id: str | None, *, person_id: str, recorded_ended_on: date | None
) -> EventOutcome:
    """The end of a term is kept even before its appointment is known, like a revocation."""
    if recorded_person_id is None:
        return EventOutcome.APPLIED
    if recorded_person_id != person_id:
        return EventOutcome.PERSON_MISMATCH
    if recorded_ended_on is not None:
        return EventOutcome.DUPLICATE
    return EventOutcome.APPLIED


def appointment_outcome(
    recorded_person_id: str | None, *, person_id: str, recorded_appointed: bool
) -> EventOutcome:
    """An appointment is recorded once; if only its end was known, the details fill in."""
    if recorded_person_id is None:
        return EventOutcome.APPLIED
    if recorded_person_id != person_id:
        return EventOutcome.PERSON_MISMATCH
    if not recorded_appointed:
        return EventOutcome.APPLIED
    return EventOutcome.DUPLICATE
