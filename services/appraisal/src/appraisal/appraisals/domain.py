"""Pure rules of an appraisal: its life cycle, its rating scales and what completing needs.

No I/O here. The service loads what a rule needs (the appraisal, the person's projection) into
plain values and asks these functions; HTTP status codes are chosen by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class AppraisalStatus(StrEnum):
    DRAFT = "draft"
    IN_PROGRESS = "in_progress"
    AWAITING_SIGN_OFF = "awaiting_sign_off"
    COMPLETED = "completed"
    REOPENED = "reopened"


TRANSITIONS: Mapping[AppraisalStatus, frozenset[AppraisalStatus]] = {
    AppraisalStatus.DRAFT: frozenset({AppraisalStatus.IN_PROGRESS}),
    AppraisalStatus.IN_PROGRESS: frozenset({AppraisalStatus.AWAITING_SIGN_OFF}),
    # Back to in_progress when one party will not sign what is written: content is locked
    # while awaiting sign-off, so it has to be unlocked to be corrected.
    AppraisalStatus.AWAITING_SIGN_OFF: frozenset(
        {AppraisalStatus.COMPLETED, AppraisalStatus.IN_PROGRESS}
    ),
    AppraisalStatus.COMPLETED: frozenset({AppraisalStatus.REOPENED}),
    AppraisalStatus.REOPENED: frozenset({AppraisalStatus.IN_PROGRESS}),
}

# Content is frozen from the moment it is put up for sign-off, so both parties sign exactly
# what is recorded; a reopened appraisal is edited only after it returns to in_progress.
EDITABLE_STATUSES = frozenset({AppraisalStatus.DRAFT, AppraisalStatus.IN_PROGRESS})


class PerformanceOutcome(StrEnum):
    """The "what": delivery against objectives (4-point scale, DOMAIN §7.4)."""

    EXCEEDS = "exceeds"
    MEETS = "meets"
    PARTIALLY_MEETS = "partially_meets"
    NOT_MET = "not_met"


class BehaviourOutcome(StrEnum):
    """The "how": behaviours against the NHS values, rated apart from the "what" (DOMAIN §7.2)."""

    EXCEEDS = "exceeds"
    MEETS = "meets"
    PARTIALLY_MEETS = "partially_meets"
    NOT_MET = "not_met"


class NhsValue(StrEnum):
    """The six NHS Constitution values."""

    WORKING_TOGETHER_FOR_PATIENTS = "working_together_for_patients"
    RESPECT_AND_DIGNITY = "respect_and_dignity"
    COMMITMENT_TO_QUALITY_OF_CARE = "commitment_to_quality_of_care"
    COMPASSION = "compassion"
    IMPROVING_LIVES = "improving_lives"
    EVERYONE_COUNTS = "everyone_counts"


class BehaviourFrequency(StrEnum):
    """How often a value is shown; the LCF-style frequency scale (points between UNCONFIRMED)."""

    ALMOST_ALWAYS = "almost_always"
    OFTEN = "often"
    SOMETIMES = "sometimes"
    RARELY = "rarely"
    NO_CHANCE_TO_DEMONSTRATE = "no_chance_to_demonstrate"


class GrowthDirection(StrEnum):
    """Scope for Growth categories (DOMAIN §6.1)."""

    DEPTH = "depth"
    BREADTH = "breadth"
    STRETCH = "stretch"


class TargetLevel(StrEnum):
    """Leadership levels; the Management and Leadership Framework's own are still UNCONFIRMED."""

    FIRST_LINE = "first_line"
    MIDDLE = "middle"
    SENIOR = "senior"
    EXECUTIVE = "executive"
    BOARD = "board"


class AspirationTimeframe(StrEnum):
    WITHIN_12_MONTHS = "within_12_months"
    ONE_TO_TWO_YEARS = "one_to_two_years"
    TWO_TO_FIVE_YEARS = "two_to_five_years"
    BEYOND_FIVE_YEARS = "beyond_five_years"


class Mobility(StrEnum):
    """How far the person would move for the next role."""

    CURRENT_ORGANISATION = "current_organisation"
    INTEGRATED_CARE_SYSTEM = "integrated_care_system"
    REGION = "region"
    NATIONAL = "national"


class BoardRole(StrEnum):
    """Set when the appraisee sits on a board (Board Member Appraisal Framework, DOMAIN §2.2)."""

    CHAIR = "chair"
    NON_EXECUTIVE = "non_executive"
    CHIEF_EXECUTIVE = "chief_executive"
    EXECUTIVE_DIRECTOR = "executive_director"


class ReopenReason(StrEnum):
    """Why a completed appraisal is reopened: codes only, free text never leaves the service."""

    FACTUAL_CORRECTION = "factual_correction"
    APPEAL_UPHELD = "appeal_upheld"
    LATE_EVIDENCE = "late_evidence"
    SIGN_OFF_DISPUTE = "sign_off_dispute"
    ADMINISTRATIVE_ERROR = "administrative_error"


DEFAULT_TEMPLATE_VERSION = "2025.1"
# Templates become their own domain area; until then the one national template is known here.
KNOWN_TEMPLATE_VERSIONS = frozenset({DEFAULT_TEMPLATE_VERSION})
# AfC pay progression has tied pay to appraisal since 2019 (DOMAIN §7.1): the earliest cycle.
FIRST_CYCLE_YEAR = 2019
OBJECTIVE_WEIGHT_TOTAL = 100


def cycle_start(cycle_year: int) -> date:
    """Appraisal cycles follow the NHS financial year, which starts on 1 April."""
    return date(cycle_year, 4, 1)


def cycle_label(cycle_year: int) -> str:
    """The NHS financial year a cycle runs over: 2026 is "2026/27"."""
    return f"{cycle_year}/{(cycle_year + 1) % 100:02d}"


# ---- life cycle ------------------------------------------------------------------------------


class TransitionRefused(Exception):
    def __init__(self, current: AppraisalStatus, target: AppraisalStatus) -> None:
        self.current = current
        self.target = target
        self.allowed = sorted(allowed_transitions(current))
        super().__init__(f"an appraisal cannot move from {current} to {target}")


class ReasonMismatch(Exception):
    """A reason code was missing where one is needed, or given where none applies."""


def allowed_transitions(current: AppraisalStatus) -> frozenset[AppraisalStatus]:
    return TRANSITIONS.get(current, frozenset())


def needs_reason(target: AppraisalStatus) -> bool:
    # Reopening rewrites a record people (and pay progression) rely on, so it says why.
    return target is AppraisalStatus.REOPENED


def check_transition(
    current: AppraisalStatus, target: AppraisalStatus, reason: ReopenReason | None
) -> None:
    """Raise unless ``current → target`` is a move of the life cycle with the right reason."""
    if target not in allowed_transitions(current):
        raise TransitionRefused(current, target)
    if needs_reason(target) and reason is None:
        raise ReasonMismatch(f"moving to {target} needs a reason_code")
    if not needs_reason(target) and reason is not None:
        raise ReasonMismatch(f"a reason_code applies only to reopening, not to {target}")


def is_editable(status: AppraisalStatus) -> bool:
    return status in EDITABLE_STATUSES


# ---- completion rules -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectiveFacts:
    weight: int
    outcome: PerformanceOutcome | None
    is_edi: bool


@dataclass(frozen=True, slots=True)
class CompletionFacts:
    """What the completion rules look at, loaded by the service."""

    objectives: Sequence[ObjectiveFacts]
    performance_outcome: PerformanceOutcome | None
    behaviour_outcome: BehaviourOutcome | None
    behaviour_scores: Mapping[NhsValue, BehaviourFrequency]
    aspirations_recorded: bool
    wellbeing_conversation_held: bool
    manages_people: bool
    board_role: BoardRole | None


@dataclass(frozen=True, slots=True)
class UnmetRule:
    rule: str
    path: str
    message: str


def edi_objective_required(*, manages_people: bool, board_role: BoardRole | None) -> bool:
    """Line managers and every board member carry at least one EDI objective.

    The EDI Improvement Plan (June 2023) asks it of board members and of managers.
    """
    return manages_people or board_role is not None


def unmet_completion_rules(facts: CompletionFacts) -> list[UnmetRule]:
    """Every rule that stops the appraisal being completed; empty when it may complete."""
    unmet: list[UnmetRule] = []
    if not facts.objectives:
        unmet.append(UnmetRule("objectives.present", "objectives", "record at least one objective"))
    else:
        total = sum(objective.weight for objective in facts.objectives)
        if total != OBJECTIVE_WEIGHT_TOTAL:
            unmet.append(
                UnmetRule(
                    "objectives.weights_total",
                    "objectives",
                    f"objective weights must total {OBJECTIVE_WEIGHT_TOTAL}, not {total}",
                )
            )
        for index, objective in enumerate(facts.objectives):
            if objective.outcome is None:
                unmet.append(
                    UnmetRule(
                        "objectives.outcome_recorded",
                        f"objectives.{index}.outcome",
                        "every objective needs an outcome",
                    )
                )
    if edi_objective_required(
        manages_people=facts.manages_people, board_role=facts.board_role
    ) and not any(objective.is_edi for objective in facts.objectives):
        unmet.append(
            UnmetRule(
                "objectives.edi_objective",
                "objectives",
                "a line manager or board member needs at least one EDI objective",
            )
        )
    if facts.performance_outcome is None:
        unmet.append(
            UnmetRule("outcomes.performance", "performance_outcome", "set the performance outcome")
        )
    if facts.behaviour_outcome is None:
        unmet.append(
            UnmetRule("outcomes.behaviour", "behaviour_outcome", "set the behaviour outcome")
        )
    missing = [value for value in NhsValue if value not in facts.behaviour_scores]
    if missing:
        unmet.append(
            UnmetRule(
                "behaviours.every_value_scored",
                "behaviour_scores",
                "score every NHS value; missing: " + ", ".join(missing),
            )
        )
    if not facts.aspirations_recorded:
        unmet.append(
            UnmetRule(
                "aspirations.recorded",
                "aspirations",
                "record the career aspirations (Scope for Growth)",
            )
        )
    if not facts.wellbeing_conversation_held:
        unmet.append(
            UnmetRule(
                "wellbeing.conversation_held",
                "wellbeing_conversation_held",
                "hold the wellbeing conversation before completing",
            )
        )
    return unmet
