"""Pure rules of the talent profile: what each event does to what is recorded."""

from datetime import UTC, datetime, timedelta

from talent.profiles import domain
from talent.profiles.domain import (
    AppraisalState,
    CredentialState,
    CredentialStatus,
    EventOutcome,
)
from talent.profiles.events import AppraisalCompleted, TrainingAccredited

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_a_credential_is_recorded_once() -> None:
    assert domain.accreditation_outcome(None, person_id="1") is EventOutcome.APPLIED
    held = CredentialState(person_id="1", awarded_at=T0, revoked_at=None)
    assert domain.accreditation_outcome(held, person_id="1") is EventOutcome.DUPLICATE
    assert domain.accreditation_outcome(held, person_id="2") is EventOutcome.PERSON_MISMATCH


def test_a_revocation_before_its_award_is_kept_and_the_award_fills_in() -> None:
    assert domain.revocation_outcome(None, person_id="1") is EventOutcome.APPLIED
    revoked_only = CredentialState(person_id="1", awarded_at=None, revoked_at=T0)
    assert domain.accreditation_outcome(revoked_only, person_id="1") is EventOutcome.APPLIED
    assert domain.revocation_outcome(revoked_only, person_id="1") is EventOutcome.DUPLICATE


def test_credential_status() -> None:
    now = T0
    assert domain.credential_status(revoked_at=None, expires_at=None, now=now) is (
        CredentialStatus.HELD
    )
    assert domain.credential_status(revoked_at=None, expires_at=now, now=now) is (
        CredentialStatus.EXPIRED
    )
    assert domain.credential_status(
        revoked_at=now, expires_at=now + timedelta(days=1), now=now
    ) is (CredentialStatus.REVOKED)


def test_completion_keeps_the_latest() -> None:
    recorded = AppraisalState(person_id="1", completed_at=T0, reopened_at=None)
    assert domain.completion_outcome(None, person_id="1", completed_at=T0) is EventOutcome.APPLIED
    assert domain.completion_outcome(recorded, person_id="1", completed_at=T0) is (
        EventOutcome.DUPLICATE
    )
    earlier = T0 - timedelta(days=1)
    assert domain.completion_outcome(recorded, person_id="1", completed_at=earlier) is (
        EventOutcome.STALE
    )
    later = T0 + timedelta(days=1)
    assert domain.completion_outcome(recorded, person_id="1", completed_at=later) is (
        EventOutcome.APPLIED
    )


def test_reopen_rules() -> None:
    completed = AppraisalState(person_id="1", completed_at=T0, reopened_at=None)
    later = T0 + timedelta(hours=1)
    assert domain.reopen_outcome(None, person_id="1", reopened_at=later) is (
        EventOutcome.UNKNOWN_SUBJECT
    )
    assert domain.reopen_outcome(completed, person_id="1", reopened_at=later) is (
        EventOutcome.APPLIED
    )
    reopened = AppraisalState(person_id="1", completed_at=T0, reopened_at=later)
    assert domain.reopen_outcome(reopened, person_id="1", reopened_at=later) is (
        EventOutcome.DUPLICATE
    )
    # A reopening of an earlier completion, overtaken by a later completion.
    assert domain.reopen_outcome(completed, person_id="1", reopened_at=T0 - timedelta(1)) is (
        EventOutcome.STALE
    )


def test_readers_are_tolerant() -> None:
    accredited = TrainingAccredited.model_validate(
        {
            "credential_id": "c-1",
            "person_id": "10000001",
            "org_code": "r1h",
            "programme_code": "NLA-MARY-SEACOLE",
            "standards": ["LMS-1", {"code": "LMS-2"}],
            "levels": ["first_line", 2],
            "awarded_at": "2026-05-01T09:00:00",
            "something_new": {"ignored": True},
        }
    )
    assert accredited.org_code == "R1H"
    assert accredited.standards == ["LMS-1", "LMS-2"]
    assert accredited.levels == ["first_line", "2"]
    assert accredited.awarded_at == T0  # a naive time means UTC

    completed = AppraisalCompleted.model_validate(
        {
            "appraisal_id": "a-1",
            "person_id": "10000001",
            "completed_at": "2026-05-01T10:00:00+01:00",
            "aspirations": {"direction": "stretch", "challenged_org_interest": True},
        }
    )
    assert completed.completed_at == T0
    assert completed.aspirations is not None
    assert completed.aspirations.challenged_organisation_interest is True
