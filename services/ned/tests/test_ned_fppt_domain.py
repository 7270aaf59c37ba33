"""Pure rules of the FPPT, board references, board appraisal deadlines and diversity groups."""

from datetime import UTC, date, datetime

import pytest

from ned.board_appraisals.domain import ComplianceStatus, member_compliance, national_deadline
from ned.diversity import domain as diversity
from ned.fppt.domain import (
    AssessmentKind,
    CheckResult,
    FpptCheck,
    FpptPolicy,
    LcfDomain,
    Outcome,
    RecordedCheck,
    SignOffRole,
    SubjectRole,
    allowed_sign_off_roles,
    judge,
)
from ned.references.domain import is_expired, retain_until
from shared.reference.organisations import OrgType

ALL_DOMAINS = [d.value for d in LcfDomain]


def _all_satisfactory(**overrides: RecordedCheck) -> list[RecordedCheck]:
    checks = {
        check: RecordedCheck(
            check,
            CheckResult.SATISFACTORY,
            6 if check is FpptCheck.REFERENCES else None,
        )
        for check in FpptCheck
    }
    checks.update({FpptCheck(k): v for k, v in overrides.items()})
    return list(checks.values())


def test_an_appointment_test_passes_with_every_check_satisfactory() -> None:
    verdict = judge(
        kind=AssessmentKind.APPOINTMENT, checks=_all_satisfactory(), attested_domains=[]
    )
    assert verdict.outcome is Outcome.PASS
    assert verdict.reasons == []


def test_a_missing_or_unsatisfactory_check_fails_and_says_which() -> None:
    checks = [c for c in _all_satisfactory() if c.check is not FpptCheck.INSOLVENCY]
    checks = [
        RecordedCheck(FpptCheck.SOCIAL_MEDIA, CheckResult.UNSATISFACTORY)
        if c.check is FpptCheck.SOCIAL_MEDIA
        else c
        for c in checks
    ]
    verdict = judge(kind=AssessmentKind.APPOINTMENT, checks=checks, attested_domains=[])
    assert verdict.outcome is Outcome.FAIL
    assert verdict.reasons == ["missing:insolvency", "failed:social_media"]


def test_not_applicable_is_accepted_only_for_conditional_checks() -> None:
    dbs_na = _all_satisfactory(dbs=RecordedCheck(FpptCheck.DBS, CheckResult.NOT_APPLICABLE))
    assert judge(kind=AssessmentKind.APPOINTMENT, checks=dbs_na, attested_domains=[]).outcome is (
        Outcome.PASS
    )
    insolvency_na = _all_satisfactory(
        insolvency=RecordedCheck(FpptCheck.INSOLVENCY, CheckResult.NOT_APPLICABLE)
    )
    verdict = judge(kind=AssessmentKind.APPOINTMENT, checks=insolvency_na, attested_domains=[])
    assert verdict.failed_checks == (FpptCheck.INSOLVENCY,)


def test_references_must_cover_six_years_on_appointment() -> None:
    short = _all_satisfactory(
        references=RecordedCheck(FpptCheck.REFERENCES, CheckResult.SATISFACTORY, 4)
    )
    verdict = judge(kind=AssessmentKind.APPOINTMENT, checks=short, attested_domains=[])
    assert verdict.failed_checks == (FpptCheck.REFERENCES,)


def test_annual_test_needs_all_six_lcf_domains_attested() -> None:
    partial = judge(
        kind=AssessmentKind.ANNUAL, checks=_all_satisfactory(), attested_domains=ALL_DOMAINS[:5]
    )
    assert partial.outcome is Outcome.FAIL
    assert partial.missing_lcf_domains == (LcfDomain.D6,)
    full = judge(
        kind=AssessmentKind.ANNUAL, checks=_all_satisfactory(), attested_domains=ALL_DOMAINS
    )
    assert full.outcome is Outcome.PASS


def test_a_policy_can_drop_checks_it_does_not_require() -> None:
    policy = FpptPolicy(
        appointment_checks=frozenset({FpptCheck.SELF_ATTESTATION, FpptCheck.DISQUALIFIED_DIRECTORS})
    )
    checks = [
        RecordedCheck(FpptCheck.SELF_ATTESTATION, CheckResult.SATISFACTORY),
        RecordedCheck(FpptCheck.DISQUALIFIED_DIRECTORS, CheckResult.SATISFACTORY),
    ]
    verdict = judge(
        kind=AssessmentKind.APPOINTMENT, checks=checks, attested_domains=[], policy=policy
    )
    assert verdict.outcome is Outcome.PASS


def test_the_chair_signs_off_everyone_but_themself() -> None:
    assert allowed_sign_off_roles(AssessmentKind.ANNUAL, SubjectRole.NON_EXECUTIVE) == {
        SignOffRole.CHAIR
    }
    assert allowed_sign_off_roles(AssessmentKind.ANNUAL, SubjectRole.CHAIR) == {
        SignOffRole.SENIOR_INDEPENDENT_DIRECTOR,
        SignOffRole.DEPUTY_CHAIR,
    }
    assert SignOffRole.NHS_ENGLAND in allowed_sign_off_roles(
        AssessmentKind.APPOINTMENT, SubjectRole.CHAIR
    )


@pytest.mark.parametrize(
    ("born", "until"),
    [
        (date(1960, 5, 17), date(2035, 5, 17)),
        (date(1952, 2, 29), date(2027, 3, 1)),  # 2027 is a common year
        (date(1956, 2, 29), date(2031, 3, 1)),
        (date(1964, 2, 29), date(2039, 3, 1)),
        (date(1950, 12, 31), date(2025, 12, 31)),
    ],
)
def test_references_are_kept_until_the_75th_birthday(born: date, until: date) -> None:
    assert retain_until(born) == until
    assert not is_expired(until, date.fromordinal(until.toordinal() - 1))
    assert is_expired(until, until)


def test_national_appraisal_deadlines_apply_to_nhs_trusts_and_icbs_only() -> None:
    assert national_deadline(OrgType.NHS_TRUST, "chair", 2026) == date(2026, 6, 30)
    assert national_deadline(OrgType.ICB, "non_executive", 2026) == date(2026, 9, 30)
    assert national_deadline(OrgType.FOUNDATION_TRUST, "chair", 2026) is None
    assert national_deadline(OrgType.NHS_TRUST, "executive", 2026) is None


def test_member_compliance_statuses() -> None:
    july = date(2026, 7, 1)

    def status(org_type: OrgType, role: str, completed: datetime | None) -> ComplianceStatus:
        return member_compliance(
            org_type=org_type, seat_role=role, cycle_year=2026, completed_at=completed, today=july
        ).status

    assert status(OrgType.NHS_TRUST, "chair", None) is ComplianceStatus.OVERDUE
    assert status(OrgType.NHS_TRUST, "non_executive", None) is ComplianceStatus.DUE
    assert status(OrgType.FOUNDATION_TRUST, "chair", None) is ComplianceStatus.LOCAL
    on_time = datetime(2026, 6, 30, 15, tzinfo=UTC)
    late = datetime(2026, 7, 1, 9, tzinfo=UTC)
    assert status(OrgType.NHS_TRUST, "chair", on_time) is ComplianceStatus.APPRAISED
    assert status(OrgType.NHS_TRUST, "chair", late) is ComplianceStatus.APPRAISED_LATE


@pytest.mark.parametrize(
    ("category", "group"),
    [
        ("A", "white"),
        ("C", "white"),
        ("C3", "white"),
        ("D", "bme"),
        ("N", "bme"),
        ("S", "bme"),
        ("Z", "unknown"),
        ("99", "unknown"),
        (None, "unknown"),
    ],
)
def test_wres_ethnicity_groups(category: str | None, group: str) -> None:
    assert diversity.ethnicity_group(category) == group


def test_disability_and_sex_groups_keep_not_declared_apart() -> None:
    assert diversity.disability_group("yes") == "disabled"
    assert diversity.disability_group("no") == "non_disabled"
    assert diversity.disability_group("not_declared") == "unknown"
    assert diversity.sex_group("female") == "female"
    assert diversity.sex_group("not_known") == "not_stated"


def test_board_breakdown_is_suppressed_with_secondary_protection() -> None:
    # A board of 14 voting members: 9 white, 3 BME, 2 unknown. Both small cells are suppressed
    # on their own; the white count is rounded and the total shown.
    counts = {"white": 9, "bme": 3, "unknown": 2}
    controlled = diversity.control_breakdown(counts)
    assert controlled.total.value == 15
    assert controlled.cells["white"].value == 10
    assert controlled.cells["bme"].suppressed and controlled.cells["unknown"].suppressed
    assert controlled.shares["bme"].suppressed
    # One small cell alone would be given away by subtraction: the smallest other goes too.
    lone = diversity.control_breakdown({"white": 20, "bme": 3, "unknown": 10})
    assert lone.cells["bme"].suppressed and lone.cells["unknown"].suppressed
    assert lone.cells["white"].value == 20


def test_relative_likelihood_from_controlled_rates() -> None:
    from shared.disclosure import ControlledValue

    assert (
        diversity.relative_likelihood(
            ControlledValue(50.0, False), ControlledValue(25.0, False)
        ).value
        == 2.0
    )
    assert diversity.relative_likelihood(
        ControlledValue(50.0, False), ControlledValue(None, True)
    ).suppressed
