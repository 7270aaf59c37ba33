"""Pure rules of the fit and proper person test (FPPT) for board members.

Source: NHS England, "Fit and proper person test framework for board members" (PRN00238_i,
August 2023, effective 30 September 2023) and the chairs' guidance (PRN00238_iii). The full annual
checklist is not fixed nationally, so the checks an organisation requires are configuration
(`FpptPolicy`); the default is the list the framework's ESR guidance and NHS Employers' summary
name. Evidence never enters this service: each check carries only where its evidence is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class FpptCheck(StrEnum):
    DBS = "dbs"
    PROFESSIONAL_REGISTER = "professional_register"
    INSOLVENCY = "insolvency"
    DISQUALIFIED_DIRECTORS = "disqualified_directors"
    REMOVED_CHARITY_TRUSTEES = "removed_charity_trustees"
    EMPLOYMENT_TRIBUNAL = "employment_tribunal"
    SOCIAL_MEDIA = "social_media"
    REFERENCES = "references"
    SELF_ATTESTATION = "self_attestation"


class CheckResult(StrEnum):
    SATISFACTORY = "satisfactory"
    UNSATISFACTORY = "unsatisfactory"
    # Only for checks that do not apply to everyone: a DBS check only where the role is eligible
    # for one, a professional register only for people who are registered.
    NOT_APPLICABLE = "not_applicable"


class AssessmentKind(StrEnum):
    APPOINTMENT = "appointment"
    ANNUAL = "annual"


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"


class AssessmentStatus(StrEnum):
    OPEN = "open"
    PASSED = "passed"
    FAILED = "failed"


class SubjectRole(StrEnum):
    """The board role of the person tested, which decides who signs the test off."""

    CHAIR = "chair"
    NON_EXECUTIVE = "non_executive"
    ASSOCIATE_NON_EXECUTIVE = "associate_non_executive"
    PARTNER_MEMBER = "partner_member"
    CHIEF_EXECUTIVE = "chief_executive"
    EXECUTIVE = "executive"


class SignOffRole(StrEnum):
    CHAIR = "chair"
    SENIOR_INDEPENDENT_DIRECTOR = "senior_independent_director"
    DEPUTY_CHAIR = "deputy_chair"
    NHS_ENGLAND = "nhs_england"


class LcfDomain(StrEnum):
    """The six domains of the Leadership Competency Framework for board members (February
    2024), by the codes the standards service uses (``LCF-2024-D1``..``D6``)."""

    D1 = "LCF-2024-D1"  # Driving high quality and sustainable outcomes
    D2 = "LCF-2024-D2"  # Setting strategy and delivering long-term transformation
    D3 = "LCF-2024-D3"  # Promoting equality and inclusion, and reducing inequalities
    D4 = "LCF-2024-D4"  # Providing robust governance and assurance
    D5 = "LCF-2024-D5"  # Creating a compassionate, just and positive culture
    D6 = "LCF-2024-D6"  # Building a trusted relationship with partners and communities


ALL_CHECKS: tuple[FpptCheck, ...] = tuple(FpptCheck)
CONDITIONAL_CHECKS = frozenset({FpptCheck.DBS, FpptCheck.PROFESSIONAL_REGISTER})

# Employers appointing to a board need references covering the six consecutive years of
# employment before the application (NHS Employers' summary of the framework, August 2023).
REFERENCE_YEARS_REQUIRED = 6


@dataclass(frozen=True, slots=True)
class FpptPolicy:
    """Which checks an organisation requires, per kind of test."""

    appointment_checks: frozenset[FpptCheck] = frozenset(ALL_CHECKS)
    annual_checks: frozenset[FpptCheck] = frozenset(ALL_CHECKS)

    def required(self, kind: AssessmentKind) -> frozenset[FpptCheck]:
        return self.appointment_checks if kind is AssessmentKind.APPOINTMENT else self.annual_checks


DEFAULT_POLICY = FpptPolicy()


@dataclass(frozen=True, slots=True)
class RecordedCheck:
    check: FpptCheck
    result: CheckResult
    years_covered: int | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    missing_checks: tuple[FpptCheck, ...]
    failed_checks: tuple[FpptCheck, ...]
    missing_lcf_domains: tuple[LcfDomain, ...]

    @property
    def reasons(self) -> list[str]:
        return (
            [f"missing:{check}" for check in self.missing_checks]
            + [f"failed:{check}" for check in self.failed_checks]
            + [f"not_attested:{domain}" for domain in self.missing_lcf_domains]
        )


def check_passes(recorded: RecordedCheck, kind: AssessmentKind) -> bool:
    if recorded.result is CheckResult.UNSATISFACTORY:
        return False
    if recorded.result is CheckResult.NOT_APPLICABLE:
        return recorded.check in CONDITIONAL_CHECKS
    if recorded.check is FpptCheck.REFERENCES and kind is AssessmentKind.APPOINTMENT:
        # A satisfactory reference that covers less than six years leaves a gap in the history.
        return (recorded.years_covered or 0) >= REFERENCE_YEARS_REQUIRED
    return True


def judge(
    *,
    kind: AssessmentKind,
    checks: Iterable[RecordedCheck],
    attested_domains: Iterable[str],
    policy: FpptPolicy = DEFAULT_POLICY,
) -> Verdict:
    """Pass only when every required check is recorded and satisfactory (or, for a conditional
    check, not applicable) and, for the annual test, the self-attestation covers all six LCF
    domains: the framework looks for broad competence across each of them."""
    by_check: Mapping[FpptCheck, RecordedCheck] = {c.check: c for c in checks}
    required = policy.required(kind)
    missing = tuple(check for check in ALL_CHECKS if check in required and check not in by_check)
    failed = tuple(
        check
        for check in ALL_CHECKS
        if check in by_check and not check_passes(by_check[check], kind)
    )
    missing_domains: tuple[LcfDomain, ...] = ()
    if kind is AssessmentKind.ANNUAL:
        attested = set(attested_domains)
        missing_domains = tuple(domain for domain in LcfDomain if domain.value not in attested)
    outcome = Outcome.PASS if not (missing or failed or missing_domains) else Outcome.FAIL
    return Verdict(outcome, missing, failed, missing_domains)


def allowed_sign_off_roles(
    kind: AssessmentKind, subject_role: SubjectRole
) -> frozenset[SignOffRole]:
    """Who may sign a test off. The chair signs off every board member's test; nobody signs off
    their own, so the chair's is signed off by the senior independent director or the deputy
    chair (chairs' guidance, PRN00238_iii). A new chair arrives before anyone on the board has
    worked with them, so NHS England, which runs the appointment, may sign that test off too."""
    if subject_role is SubjectRole.CHAIR:
        roles = {SignOffRole.SENIOR_INDEPENDENT_DIRECTOR, SignOffRole.DEPUTY_CHAIR}
        if kind is AssessmentKind.APPOINTMENT:
            roles.add(SignOffRole.NHS_ENGLAND)
        return frozenset(roles)
    return frozenset({SignOffRole.CHAIR})


# The committee roles on a seat that make its holder a signatory for the chair's own test.
SIGNING_COMMITTEE_ROLES: dict[SignOffRole, frozenset[str]] = {
    SignOffRole.SENIOR_INDEPENDENT_DIRECTOR: frozenset({"senior_independent_director"}),
    SignOffRole.DEPUTY_CHAIR: frozenset({"deputy_chair", "vice_chair"}),
}


def signer_matches(recorded_holders: Iterable[str], signer: str) -> bool:
    """Whoever the board's records name in the signing role must be the one who signs; when
    nobody is recorded (a vacancy, an interim arrangement) the declared role is taken."""
    holders = set(recorded_holders)
    return not holders or signer in holders


class MemberStatus(StrEnum):
    """A board member's line in the annual submission to the regional director."""

    PASS = "pass"
    FAIL = "fail"
    NOT_ASSESSED = "not_assessed"


def submission_status(latest_annual_outcome: Outcome | None) -> MemberStatus:
    if latest_annual_outcome is None:
        return MemberStatus.NOT_ASSESSED
    return MemberStatus(latest_annual_outcome.value)
