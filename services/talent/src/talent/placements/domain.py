"""Pure rules of challenged-organisation placements: the support package, candidate matching
with an explanation per factor, and the placement state machine.

Messenger recommendation 7 asks that the best leaders be supported and rewarded for taking the
hardest roles in challenged organisations. The package mirrors what the review and the VSM pay
framework (NHS England, 15 May 2025, effective 1 April 2025) describe: relocation support, pay
within the VSM framework (NHS England approval needed for trust salaries above £170,000),
protected development time, a mentor, a peer network, a coach, time allowed for improvement and
an improvement plan peer-reviewed by another chief executive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# VSM pay framework: trust salaries above this need NHS England's approval.
VSM_APPROVAL_THRESHOLD = 170_000

LEVEL_ORDER = ("entry", "first_line", "middle", "senior", "executive", "board")


class PlacementStatus(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class PlacementAction(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    START = "start"
    COMPLETE = "complete"
    WITHDRAW = "withdraw"


class PlacementOutcome(StrEnum):
    """How a completed placement ended, for the region's learning (codes, never narrative)."""

    EXIT_CRITERIA_MET = "exit_criteria_met"
    SEGMENT_IMPROVED = "segment_improved"
    PARTIAL_IMPROVEMENT = "partial_improvement"
    NO_IMPROVEMENT = "no_improvement"
    ENDED_EARLY = "ended_early"


TRANSITIONS: dict[PlacementAction, tuple[frozenset[PlacementStatus], PlacementStatus]] = {
    PlacementAction.ACCEPT: (frozenset({PlacementStatus.OFFERED}), PlacementStatus.ACCEPTED),
    PlacementAction.DECLINE: (frozenset({PlacementStatus.OFFERED}), PlacementStatus.DECLINED),
    PlacementAction.START: (frozenset({PlacementStatus.ACCEPTED}), PlacementStatus.ACTIVE),
    PlacementAction.COMPLETE: (frozenset({PlacementStatus.ACTIVE}), PlacementStatus.COMPLETED),
    PlacementAction.WITHDRAW: (
        frozenset({PlacementStatus.OFFERED, PlacementStatus.ACCEPTED}),
        PlacementStatus.WITHDRAWN,
    ),
}


def next_status(current: PlacementStatus, action: PlacementAction) -> PlacementStatus | None:
    """The status ``action`` leads to from ``current``, or None when it is not allowed."""
    allowed_from, target = TRANSITIONS[action]
    return target if current in allowed_from else None


def package_problems(
    *,
    pay_minimum: int,
    pay_maximum: int,
    approval_reference: str | None,
    improvement_plan_peer_review: bool,
    peer_reviewer_org_code: str | None,
    org_code: str,
) -> list[tuple[str, str]]:
    """Every reason a support package is not acceptable, as (field, message)."""
    problems: list[tuple[str, str]] = []
    if pay_minimum > pay_maximum:
        problems.append(("pay_maximum", "the pay range ends below where it starts"))
    if pay_maximum > VSM_APPROVAL_THRESHOLD and not approval_reference:
        problems.append(
            (
                "pay_approval_reference",
                f"pay above £{VSM_APPROVAL_THRESHOLD:,} needs NHS England's approval under the VSM "
                "pay framework; give the approval reference",
            )
        )
    if improvement_plan_peer_review and peer_reviewer_org_code is None:
        problems.append(
            ("peer_reviewer_org_code", "name the organisation whose chief executive peer-reviews")
        )
    if peer_reviewer_org_code is not None and peer_reviewer_org_code == org_code:
        problems.append(
            (
                "peer_reviewer_org_code",
                "the improvement plan is peer-reviewed by another organisation's chief executive",
            )
        )
    return problems


# ---- matching ----------------------------------------------------------------------------------


class Factor(StrEnum):
    READINESS = "readiness"
    ASPIRATION = "aspiration"
    MOBILITY = "mobility"
    INTEREST = "interest"


# Readiness carries most weight: a placement in a challenged organisation is the worst place to
# learn a role from scratch. The three preferences weigh the same.
WEIGHTS: dict[Factor, float] = {
    Factor.READINESS: 0.4,
    Factor.ASPIRATION: 0.2,
    Factor.MOBILITY: 0.2,
    Factor.INTEREST: 0.2,
}

READINESS_SCORES = {
    "ready_now": 1.0,
    "ready_1_2_years": 0.6,
    "ready_3_plus_years": 0.25,
    "not_ready": 0.0,
}
READINESS_ORDER = ("ready_now", "ready_1_2_years", "ready_3_plus_years", "not_ready")


@dataclass(frozen=True, slots=True)
class Candidate:
    """What matching knows of a pool member: codes only, nothing free-text."""

    person_id: str
    org_code: str | None
    org_icb: str | None
    org_region: str | None
    readiness: str | None
    target_level: str | None
    direction: str | None
    mobility: str | None
    challenged_interest: bool | None
    pool_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RoleSite:
    org_code: str
    icb_code: str | None
    region_code: str | None
    level: str


@dataclass(frozen=True, slots=True)
class FactorScore:
    factor: Factor
    score: float
    weight: float
    reason_code: str
    explanation: str

    @property
    def weighted(self) -> float:
        return self.score * self.weight


@dataclass(frozen=True, slots=True)
class Match:
    person_id: str
    score: float
    fits: bool
    factors: list[FactorScore] = field(default_factory=list)
    excluded_because: list[str] = field(default_factory=list)


def _level_index(level: str | None) -> int | None:
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else None


def score_readiness(candidate: Candidate) -> FactorScore:
    weight = WEIGHTS[Factor.READINESS]
    if candidate.readiness is None:
        return FactorScore(
            Factor.READINESS,
            0.0,
            weight,
            "no_readiness_assessment",
            "not named as a successor in any succession plan, so no readiness is recorded",
        )
    score = READINESS_SCORES.get(candidate.readiness, 0.0)
    return FactorScore(
        Factor.READINESS,
        score,
        weight,
        candidate.readiness,
        f"best readiness in the succession plans: {candidate.readiness.replace('_', ' ')}",
    )


def score_aspiration(candidate: Candidate, role_level: str) -> FactorScore:
    weight = WEIGHTS[Factor.ASPIRATION]
    target, role = _level_index(candidate.target_level), _level_index(role_level)
    if target is None or role is None:
        return FactorScore(
            Factor.ASPIRATION,
            0.0,
            weight,
            "no_target_level",
            "no target level recorded in the latest appraisal's career aspirations",
        )
    stretch = candidate.direction == "stretch"
    if target == role:
        score = 1.0 if stretch else 0.8
        code = "target_level_matches"
        text = f"aims for {role_level} level" + (" and wants a stretch" if stretch else "")
    elif target > role:
        score = 0.6
        code = "role_is_step_to_target"
        text = f"aims for {candidate.target_level}; a {role_level} role is a step on the way"
    else:
        score = 0.1
        code = "role_above_target"
        text = f"aims for {candidate.target_level}, below this {role_level} role"
    return FactorScore(Factor.ASPIRATION, score, weight, code, text)


def score_mobility(candidate: Candidate, site: RoleSite) -> FactorScore:
    """Whether the person said they would move as far as this organisation is."""
    weight = WEIGHTS[Factor.MOBILITY]
    mobility = candidate.mobility
    if mobility is None:
        return FactorScore(
            Factor.MOBILITY,
            0.3,
            weight,
            "mobility_not_stated",
            "has not said how far they would move",
        )
    same_org = candidate.org_code == site.org_code
    same_icb = candidate.org_icb is not None and candidate.org_icb == site.icb_code
    same_region = candidate.org_region is not None and candidate.org_region == site.region_code
    reach = {
        "current_organisation": same_org,
        "integrated_care_system": same_org or same_icb,
        "region": same_org or same_icb or same_region,
        "national": True,
    }.get(mobility, False)
    if reach:
        return FactorScore(
            Factor.MOBILITY,
            1.0,
            weight,
            "within_mobility",
            f"would move within {mobility.replace('_', ' ')}, which includes this organisation",
        )
    return FactorScore(
        Factor.MOBILITY,
        0.0,
        weight,
        "beyond_mobility",
        f"would move only within {mobility.replace('_', ' ')}; this organisation is further",
    )


def score_interest(candidate: Candidate) -> FactorScore:
    weight = WEIGHTS[Factor.INTEREST]
    if candidate.challenged_interest is True:
        return FactorScore(
            Factor.INTEREST,
            1.0,
            weight,
            "interested",
            "said they are interested in a role at a challenged organisation",
        )
    if candidate.challenged_interest is False:
        return FactorScore(
            Factor.INTEREST,
            0.0,
            weight,
            "not_interested",
            "said they are not interested in a role at a challenged organisation",
        )
    return FactorScore(
        Factor.INTEREST,
        0.3,
        weight,
        "interest_not_stated",
        "has not said whether a challenged organisation interests them",
    )


def match(candidate: Candidate, site: RoleSite) -> Match:
    """Score one candidate for one role, with each factor's reason.

    A stated "no" (no interest, or a move beyond their mobility) or no readiness at all rules
    the person out: proposing them would ignore what they told their appraiser.
    """
    factors = [
        score_readiness(candidate),
        score_aspiration(candidate, site.level),
        score_mobility(candidate, site),
        score_interest(candidate),
    ]
    excluded = [
        f.reason_code
        for f in factors
        if f.reason_code
        in {"not_interested", "beyond_mobility", "not_ready", "no_readiness_assessment"}
    ]
    total = round(sum(f.weighted for f in factors), 4)
    return Match(candidate.person_id, total, not excluded, factors, excluded)


def rank(candidates: list[Candidate], site: RoleSite) -> list[Match]:
    """Fitting candidates first, then by score, then by person number for a stable order."""
    matches = [match(c, site) for c in candidates]
    return sorted(matches, key=lambda m: (not m.fits, -m.score, m.person_id))


def best_readiness(values: list[str]) -> str | None:
    known = [v for v in values if v in READINESS_ORDER]
    return min(known, key=READINESS_ORDER.index) if known else None
