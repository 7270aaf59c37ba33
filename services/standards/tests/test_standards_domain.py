"""Pure rules of the standards service: no database, no broker."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from standards.learning import domain as learning
from standards.people import domain as people
from standards.programmes.domain import Level, ordered_levels
from standards.providers import domain as providers
from standards.providers.domain import AccreditationStatus as S
from standards.providers.domain import Decision


@pytest.mark.parametrize(
    ("current", "requested"),
    [
        (None, S.ACCREDITED),
        (S.ACCREDITED, S.ACCREDITED),
        (S.ACCREDITED, S.SUSPENDED),
        (S.ACCREDITED, S.WITHDRAWN),
        (S.SUSPENDED, S.ACCREDITED),
        (S.SUSPENDED, S.WITHDRAWN),
        (S.WITHDRAWN, S.ACCREDITED),
    ],
)
def test_allowed_accreditation_transitions(current: S | None, requested: S) -> None:
    providers.check_transition(current, requested)


@pytest.mark.parametrize(
    ("current", "requested"),
    [
        (None, S.SUSPENDED),
        (None, S.WITHDRAWN),
        (S.WITHDRAWN, S.SUSPENDED),
        (S.WITHDRAWN, S.WITHDRAWN),
    ],
)
def test_refused_accreditation_transitions(current: S | None, requested: S) -> None:
    with pytest.raises(providers.InvalidAccreditationTransition):
        providers.check_transition(current, requested)


def test_the_latest_decision_covering_a_day_decides() -> None:
    granted = Decision(
        seq=1, status=S.ACCREDITED, valid_from=date(2025, 1, 1), valid_to=date(2027, 12, 31)
    )
    suspended = Decision(
        seq=2, status=S.SUSPENDED, valid_from=date(2026, 3, 1), valid_to=date(2026, 5, 31)
    )
    decisions = [granted, suspended]
    assert providers.accredited_on(decisions, date(2026, 2, 28))
    assert not providers.accredited_on(decisions, date(2026, 3, 1))
    assert providers.decision_on(decisions, date(2026, 5, 31)) == suspended
    # The suspension window ended: the grant applies again without a new decision.
    assert providers.accredited_on(decisions, date(2026, 6, 1))
    assert not providers.accredited_on(decisions, date(2024, 12, 31))
    assert not providers.accredited_on(decisions, date(2028, 1, 1))
    assert providers.decision_on([], date(2026, 1, 1)) is None


def test_an_open_ended_withdrawal_ends_accreditation_until_a_new_grant() -> None:
    decisions = [
        Decision(seq=1, status=S.ACCREDITED, valid_from=date(2025, 1, 1), valid_to=None),
        Decision(seq=2, status=S.WITHDRAWN, valid_from=date(2026, 1, 1), valid_to=None),
        Decision(seq=3, status=S.ACCREDITED, valid_from=date(2026, 9, 1), valid_to=None),
    ]
    assert providers.accredited_on(decisions, date(2025, 12, 31))
    assert not providers.accredited_on(decisions, date(2026, 8, 31))
    assert providers.accredited_on(decisions, date(2030, 1, 1))


def test_accreditation_days_are_english_dates() -> None:
    # 23:30 UTC on 30 June is already 1 July in London (BST); in January the two agree.
    assert providers.accreditation_day(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(
        2026, 7, 1
    )
    assert providers.accreditation_day(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)) == date(
        2026, 1, 31
    )
    with pytest.raises(ValueError):
        providers.accreditation_day(datetime(2026, 1, 1))


def test_completion_time_must_be_plausible() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    skew = timedelta(minutes=5)
    learning.check_completed_at(now + timedelta(minutes=4), now=now, clock_skew=skew)
    learning.check_completed_at(datetime(1990, 1, 1, tzinfo=UTC), now=now, clock_skew=skew)
    with pytest.raises(learning.ImplausibleCompletion, match="future"):
        learning.check_completed_at(now + timedelta(minutes=6), now=now, clock_skew=skew)
    with pytest.raises(learning.ImplausibleCompletion, match="1948"):
        learning.check_completed_at(datetime(1948, 7, 4, tzinfo=UTC), now=now, clock_skew=skew)
    with pytest.raises(learning.ImplausibleCompletion, match="time zone"):
        learning.check_completed_at(datetime(2026, 1, 1), now=now, clock_skew=skew)


def test_months_are_added_on_the_calendar() -> None:
    assert learning.add_months(datetime(2026, 1, 31, 9, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, 9, tzinfo=UTC
    )
    assert learning.add_months(datetime(2024, 1, 31, tzinfo=UTC), 1) == datetime(
        2024, 2, 29, tzinfo=UTC
    )
    assert learning.add_months(datetime(2026, 11, 15, tzinfo=UTC), 36) == datetime(
        2029, 11, 15, tzinfo=UTC
    )
    assert learning.add_months(datetime(2026, 12, 1, tzinfo=UTC), 1) == datetime(
        2027, 1, 1, tzinfo=UTC
    )


def test_credential_expiry_runs_from_the_completion_in_utc() -> None:
    completed = datetime(2026, 3, 14, 17, 0, tzinfo=timezone(timedelta(hours=1)))
    assert learning.credential_expiry(completed, None) is None
    assert learning.credential_expiry(completed, 36) == datetime(2029, 3, 14, 16, 0, tzinfo=UTC)


def test_a_credential_is_current_until_it_expires_or_is_revoked() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert learning.is_current(None, revoked=False, now=now)
    assert learning.is_current(now + timedelta(days=1), revoked=False, now=now)
    assert not learning.is_current(now, revoked=False, now=now)
    assert not learning.is_current(None, revoked=True, now=now)


def test_levels_are_put_in_ladder_order_once() -> None:
    assert ordered_levels(["board", "entry", "middle", "entry"]) == [
        Level.ENTRY,
        Level.MIDDLE,
        Level.BOARD,
    ]
    with pytest.raises(ValueError):
        ordered_levels(["captain"])


def test_event_times_are_utc_instants() -> None:
    # A time without an offset is read as UTC, not as the machine's local time.
    assert people.event_instant(datetime(2026, 5, 1, 12, 0)) == datetime(2026, 5, 1, 12, tzinfo=UTC)
    summer = datetime(2026, 5, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    assert people.event_instant(summer) == datetime(2026, 5, 1, 12, tzinfo=UTC)
