"""Pure rules of succession: readiness from evidence, bench strength, risks and gaps.

Readiness is not a manager's picklist here: a versioned policy (data, stored in
``readiness_policies``) names the rules, their parameters and which rules each readiness band
needs. Evaluating it is a pure function of the evidence the profile holds, so a replay or a
recompute of 10,000 candidates gives exactly what the live consumer gave, and every answer
carries its explanation (each rule met or unmet, with the evidence it looked at).

Sources for the rules (see docs/decisions/0012): eligibility for a level is what the standards
service last announced (Messenger recommendation 6, the management standards and their
levels); the appraisal is the single national appraisal (recommendation 7), completed yearly,
so 15 months allows for a late cycle; board posts need a fit and proper person assessment,
repeated every year under NHS England's FPPT framework (2023).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    ENTRY = "entry"
    FIRST_LINE = "first_line"
    MIDDLE = "middle"
    SENIOR = "senior"
    EXECUTIVE = "executive"
    BOARD = "board"


LEVEL_ORDER: dict[str, int] = {level.value: rank for rank, level in enumerate(Level)}


class Readiness(StrEnum):
    READY_NOW = "ready_now"
    READY_1_2_YEARS = "ready_1_2_years"
    READY_3_PLUS_YEARS = "ready_3_plus_years"
    NOT_READY = "not_ready"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class PlanRisk(StrEnum):
    NO_SUCCESSOR = "no_successor"
    SINGLE_SUCCESSOR = "single_successor"
    NO_EMERGENCY_COVER = "no_emergency_cover"


class Rule(StrEnum):
    ELIGIBLE_FOR_LEVEL = "eligible_for_level"
    APPRAISAL_RECENT = "appraisal_recent"
    APPRAISAL_OUTCOMES = "appraisal_outcomes"
    ASPIRATION_TOWARD_LEVEL = "aspiration_toward_level"
    FIT_AND_PROPER = "fit_and_proper"


# The policy every new database starts with (seeded by migration 20261122_0002, which holds
# a copy of this literal so the migration never changes when this module does).
POLICY_2026_1: dict[str, Any] = {
    "version": "2026.1",
    "appraisal_max_age_days": 456,
    "performance_outcomes_met": ["meets", "exceeds"],
    "behaviour_outcomes_met": ["meets", "exceeds"],
    "fppt_max_age_days": 400,
    "bands": [
        {
            "readiness": "ready_now",
            "requires": [
                "eligible_for_level",
                "appraisal_recent",
                "appraisal_outcomes",
                "aspiration_toward_level",
                "fit_and_proper",
            ],
        },
        {
            "readiness": "ready_1_2_years",
            "requires": ["appraisal_recent", "appraisal_outcomes", "aspiration_toward_level"],
        },
        {"readiness": "ready_3_plus_years", "requires": ["aspiration_toward_level"]},
    ],
}


class PolicyError(ValueError):
    """A policy definition that cannot be evaluated."""


@dataclass(frozen=True, slots=True)
class Band:
    readiness: Readiness
    requires: frozenset[Rule]


@dataclass(frozen=True, slots=True)
class ReadinessPolicy:
    version: str
    appraisal_max_age: timedelta
    performance_outcomes_met: frozenset[str]
    behaviour_outcomes_met: frozenset[str]
    fppt_max_age: timedelta
    bands: tuple[Band, ...]


def parse_policy(definition: Mapping[str, Any]) -> ReadinessPolicy:
    """A stored policy as rules; `PolicyError` names what is wrong with it."""
    try:
        bands = tuple(
            Band(
                readiness=Readiness(band["readiness"]),
                requires=frozenset(Rule(rule) for rule in band["requires"]),
            )
            for band in definition["bands"]
        )
        policy = ReadinessPolicy(
            version=str(definition["version"]),
            appraisal_max_age=timedelta(days=int(definition["appraisal_max_age_days"])),
            performance_outcomes_met=frozenset(definition["performance_outcomes_met"]),
            behaviour_outcomes_met=frozenset(definition["behaviour_outcomes_met"]),
            fppt_max_age=timedelta(days=int(definition["fppt_max_age_days"])),
            bands=bands,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PolicyError(f"not a readiness policy: {exc}") from None
    if Readiness.NOT_READY in {band.readiness for band in bands}:
        raise PolicyError("not_ready is what is left when no band is met; it has no rules")
    if len({band.readiness for band in bands}) != len(bands):
        raise PolicyError("each readiness appears in one band only")
    # Bands are tried from the most ready down; the order of the list is that order.
    order = [list(Readiness).index(band.readiness) for band in bands]
    if order != sorted(order):
        raise PolicyError("bands go from ready_now downwards")
    return policy


@dataclass(frozen=True, slots=True)
class EligibilityFact:
    eligible: bool
    determination_id: str
    unmet_requirement_ids: tuple[str, ...]
    policy_version: str | None
    as_of: datetime
    evidence_credential_ids: tuple[str, ...] = ()
    # Credentials among the evidence that have since been revoked: the determination rested
    # on them, so it no longer stands even before standards announces a new one.
    revoked_credential_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AppraisalFact:
    appraisal_id: str
    completed_at: datetime
    reopened: bool
    performance_outcome: str | None
    behaviour_outcome: str | None
    target_level: str | None
    direction: str | None


@dataclass(frozen=True, slots=True)
class FitAndProperFact:
    assessment_id: str
    outcome: str
    assessed_at: datetime


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the profile knows about one person that readiness may use."""

    eligibility_by_level: Mapping[str, EligibilityFact] = field(default_factory=dict)
    appraisal: AppraisalFact | None = None
    fit_and_proper: FitAndProperFact | None = None


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: Rule
    met: bool
    applies: bool
    evidence: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule.value,
            "met": self.met,
            "applies": self.applies,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class ReadinessResult:
    readiness: Readiness
    results: tuple[RuleResult, ...]
    policy_version: str

    @property
    def met(self) -> list[str]:
        return [r.rule.value for r in self.results if r.met]

    @property
    def unmet(self) -> list[str]:
        return [r.rule.value for r in self.results if not r.met]

    def explanation(self) -> dict[str, Any]:
        return {
            "policy_version": self.policy_version,
            "readiness": self.readiness.value,
            "rules": [r.to_json() for r in self.results],
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _eligible(level: str, evidence: Evidence) -> RuleResult:
    fact = evidence.eligibility_by_level.get(level)
    if fact is None:
        return RuleResult(
            Rule.ELIGIBLE_FOR_LEVEL,
            met=False,
            applies=True,
            evidence={"level": level, "announced": False},
        )
    return RuleResult(
        Rule.ELIGIBLE_FOR_LEVEL,
        met=fact.eligible and not fact.revoked_credential_ids,
        applies=True,
        evidence={
            "level": level,
            "announced": True,
            "eligible": fact.eligible,
            "determination_id": fact.determination_id,
            "unmet_requirement_ids": list(fact.unmet_requirement_ids),
            "evidence_credential_ids": list(fact.evidence_credential_ids),
            "revoked_credential_ids": list(fact.revoked_credential_ids),
            "standards_policy_version": fact.policy_version,
            "as_of": _iso(fact.as_of),
        },
    )


def _appraisal_evidence(appraisal: AppraisalFact | None) -> dict[str, Any]:
    if appraisal is None:
        return {"appraisal_id": None}
    return {
        "appraisal_id": appraisal.appraisal_id,
        "completed_at": _iso(appraisal.completed_at),
        "reopened": appraisal.reopened,
    }


def _usable(appraisal: AppraisalFact | None) -> AppraisalFact | None:
    # A reopened appraisal is being changed: its outcome and aspirations are not evidence
    # until it completes again.
    if appraisal is None or appraisal.reopened:
        return None
    return appraisal


def _appraisal_recent(policy: ReadinessPolicy, evidence: Evidence, now: datetime) -> RuleResult:
    appraisal = _usable(evidence.appraisal)
    met = appraisal is not None and now - appraisal.completed_at <= policy.appraisal_max_age
    return RuleResult(
        Rule.APPRAISAL_RECENT,
        met=met,
        applies=True,
        evidence={
            **_appraisal_evidence(evidence.appraisal),
            "max_age_days": policy.appraisal_max_age.days,
        },
    )


def _appraisal_outcomes(policy: ReadinessPolicy, evidence: Evidence) -> RuleResult:
    appraisal = _usable(evidence.appraisal)
    met = (
        appraisal is not None
        and appraisal.performance_outcome in policy.performance_outcomes_met
        and appraisal.behaviour_outcome in policy.behaviour_outcomes_met
    )
    detail = _appraisal_evidence(evidence.appraisal)
    if evidence.appraisal is not None:
        detail["performance_outcome"] = evidence.appraisal.performance_outcome
        detail["behaviour_outcome"] = evidence.appraisal.behaviour_outcome
    return RuleResult(Rule.APPRAISAL_OUTCOMES, met=met, applies=True, evidence=detail)


def _aspiration(level: str, evidence: Evidence) -> RuleResult:
    appraisal = _usable(evidence.appraisal)
    target = appraisal.target_level if appraisal is not None else None
    # Aiming at or beyond the post's level counts: the way to executive passes through senior.
    met = (
        target is not None
        and target in LEVEL_ORDER
        and level in LEVEL_ORDER
        and LEVEL_ORDER[target] >= LEVEL_ORDER[level]
    )
    detail = _appraisal_evidence(evidence.appraisal)
    detail.update({"level": level, "target_level": target})
    return RuleResult(Rule.ASPIRATION_TOWARD_LEVEL, met=met, applies=True, evidence=detail)


def _fit_and_proper(
    policy: ReadinessPolicy, evidence: Evidence, *, board_post: bool, now: datetime
) -> RuleResult:
    if not board_post:
        # Only board posts need the test; for the others the rule holds by definition.
        return RuleResult(Rule.FIT_AND_PROPER, met=True, applies=False, evidence={})
    fact = evidence.fit_and_proper
    if fact is None:
        return RuleResult(
            Rule.FIT_AND_PROPER, met=False, applies=True, evidence={"assessment_id": None}
        )
    current = now - fact.assessed_at <= policy.fppt_max_age
    return RuleResult(
        Rule.FIT_AND_PROPER,
        met=fact.outcome == "pass" and current,
        applies=True,
        evidence={
            "assessment_id": fact.assessment_id,
            "outcome": fact.outcome,
            "assessed_at": _iso(fact.assessed_at),
            "max_age_days": policy.fppt_max_age.days,
        },
    )


def evaluate(
    policy: ReadinessPolicy,
    *,
    level: str,
    board_post: bool,
    evidence: Evidence,
    now: datetime,
) -> ReadinessResult:
    """The readiness of one candidate for a post at ``level``, with every rule's verdict."""
    results = (
        _eligible(level, evidence),
        _appraisal_recent(policy, evidence, now),
        _appraisal_outcomes(policy, evidence),
        _aspiration(level, evidence),
        _fit_and_proper(policy, evidence, board_post=board_post, now=now),
    )
    met = {result.rule for result in results if result.met}
    readiness = Readiness.NOT_READY
    for band in policy.bands:
        if band.requires <= met:
            readiness = band.readiness
            break
    return ReadinessResult(readiness=readiness, results=results, policy_version=policy.version)


def effective_readiness(
    *,
    computed: Readiness,
    override: Readiness | None,
    override_expires_at: datetime | None,
    now: datetime,
) -> Readiness:
    """A talent lead's override stands until it expires; then the evidence speaks again."""
    if override is not None and (override_expires_at is None or override_expires_at > now):
        return override
    return computed


@dataclass(frozen=True, slots=True)
class BenchStrength:
    ready_now: int
    ready_1_2_years: int
    ready_3_plus_years: int
    not_ready: int
    total: int
    risks: tuple[PlanRisk, ...]

    def counts(self) -> dict[str, int]:
        return {
            "ready_now": self.ready_now,
            "ready_1_2_years": self.ready_1_2_years,
            "ready_3_plus_years": self.ready_3_plus_years,
            "not_ready": self.not_ready,
            "total": self.total,
        }


def bench_strength(
    readiness_counts: Mapping[str, int], *, emergency_cover_ready_now: int
) -> BenchStrength:
    """Counts per readiness and the plan's risks.

    No successor: nobody is ready now or within two years. Single successor: exactly one is.
    No emergency cover: nobody flagged as emergency cover is ready now.
    """
    counts = {r.value: int(readiness_counts.get(r.value, 0)) for r in Readiness}
    near = counts[Readiness.READY_NOW] + counts[Readiness.READY_1_2_YEARS]
    risks: list[PlanRisk] = []
    if near == 0:
        risks.append(PlanRisk.NO_SUCCESSOR)
    elif near == 1:
        risks.append(PlanRisk.SINGLE_SUCCESSOR)
    if emergency_cover_ready_now == 0:
        risks.append(PlanRisk.NO_EMERGENCY_COVER)
    return BenchStrength(
        ready_now=counts[Readiness.READY_NOW],
        ready_1_2_years=counts[Readiness.READY_1_2_YEARS],
        ready_3_plus_years=counts[Readiness.READY_3_PLUS_YEARS],
        not_ready=counts[Readiness.NOT_READY],
        total=sum(counts.values()),
        risks=tuple(risks),
    )


@dataclass(frozen=True, slots=True)
class Gap:
    requirement_id: str
    standards: tuple[str, ...]
    programmes: tuple[str, ...]


def gaps(
    *, unmet_requirement_ids: Sequence[str], detail: Mapping[str, Mapping[str, Iterable[str]]]
) -> list[Gap]:
    """The requirements standards said are missing for the level, and what closes each.

    ``detail`` is what the eligibility announcement said about each requirement (the
    standards it names and the programmes that meet it); a requirement without detail is
    still listed, with nothing to suggest.
    """
    found: list[Gap] = []
    for requirement_id in unmet_requirement_ids:
        known = detail.get(requirement_id, {})
        found.append(
            Gap(
                requirement_id=requirement_id,
                standards=tuple(known.get("standards", ())),
                programmes=tuple(known.get("programmes", ())),
            )
        )
    return found
