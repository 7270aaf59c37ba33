"""Pure rules of an appraisal: its life cycle, sign-off and what completing needs.

No I/O here. The service loads what a rule needs (the appraisal, the person's projection, the
appraiser's credentials, the feedback summary) into plain values and asks these functions; HTTP
status codes are chosen by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from appraisal.templates.domain import (
    DEFAULT_TEMPLATE_VERSION,
    AppraisalKind,
    AspirationTimeframe,
    BehaviourFrequency,
    BehaviourOutcome,
    GrowthAmbition,
    GrowthDirection,
    ImpactRating,
    LcfDomain,
    Mobility,
    NhsValue,
    PerformanceOutcome,
    TargetLevel,
)

__all__ = [
    "DEFAULT_TEMPLATE_VERSION",
    "AppraisalKind",
    "AspirationTimeframe",
    "BehaviourFrequency",
    "BehaviourOutcome",
    "GrowthAmbition",
    "GrowthDirection",
    "ImpactRating",
    "LcfDomain",
    "Mobility",
    "NhsValue",
    "PerformanceOutcome",
    "TargetLevel",
]


class AppraisalStatus(StrEnum):
    NOT_STARTED = "not_started"
    PREPARATION = "preparation"
    MEETING = "meeting"
    SIGNED_BY_APPRAISEE = "signed_by_appraisee"
    SIGNED_BY_APPRAISER = "signed_by_appraiser"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Move(StrEnum):
    """What a transition request asks for: a status to reach, or ``reopened``, which takes a
    completed appraisal back to the meeting with a reason."""

    PREPARATION = "preparation"
    MEETING = "meeting"
    SIGNED_BY_APPRAISEE = "signed_by_appraisee"
    SIGNED_BY_APPRAISER = "signed_by_appraiser"
    COMPLETED = "completed"
    REOPENED = "reopened"
    CANCELLED = "cancelled"


S = AppraisalStatus
TRANSITIONS: Mapping[AppraisalStatus, Mapping[Move, AppraisalStatus]] = {
    S.NOT_STARTED: {Move.PREPARATION: S.PREPARATION, Move.CANCELLED: S.CANCELLED},
    S.PREPARATION: {Move.MEETING: S.MEETING, Move.CANCELLED: S.CANCELLED},
    # Either party may sign first; the second signature completes.
    S.MEETING: {
        Move.SIGNED_BY_APPRAISEE: S.SIGNED_BY_APPRAISEE,
        Move.SIGNED_BY_APPRAISER: S.SIGNED_BY_APPRAISER,
        Move.CANCELLED: S.CANCELLED,
    },
    # Back to the meeting when what is written must change: signed content is locked, so a
    # signature is withdrawn rather than the text edited under it.
    S.SIGNED_BY_APPRAISEE: {
        Move.COMPLETED: S.COMPLETED,
        Move.MEETING: S.MEETING,
        Move.CANCELLED: S.CANCELLED,
    },
    S.SIGNED_BY_APPRAISER: {
        Move.COMPLETED: S.COMPLETED,
        Move.MEETING: S.MEETING,
        Move.CANCELLED: S.CANCELLED,
    },
    S.COMPLETED: {Move.REOPENED: S.MEETING},
    S.CANCELLED: {},
}

# Content is frozen from the first signature, so both parties sign exactly what is recorded.
EDITABLE_STATUSES = frozenset({S.NOT_STARTED, S.PREPARATION, S.MEETING})


class BoardRole(StrEnum):
    """Set when the appraisee sits on a board (Board Member Appraisal Framework)."""

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


class CancelReason(StrEnum):
    LEFT_ORGANISATION = "left_organisation"
    LONG_TERM_ABSENCE = "long_term_absence"
    OPENED_IN_ERROR = "opened_in_error"
    DUPLICATE = "duplicate"


# AfC pay progression has tied pay to appraisal since 2019: the earliest cycle.
FIRST_CYCLE_YEAR = 2019
OBJECTIVE_WEIGHT_TOTAL = 100
# The NED good-practice guide asks for an FPPT assessment in the last 12 months.
FPPT_VALIDITY = timedelta(days=365)


def kind_of(board_role: BoardRole | None) -> AppraisalKind:
    return AppraisalKind.STAFF if board_role is None else AppraisalKind.BOARD


def behaviour_codes(kind: AppraisalKind) -> tuple[str, ...]:
    """What behaviours are rated against: the NHS values for staff, the LCF domains for board
    members (BMAF: the six domains are used in assessment, discussion and documentation)."""
    return tuple(LcfDomain) if kind is AppraisalKind.BOARD else tuple(NhsValue)


def cycle_start(cycle_year: int) -> date:
    """Appraisal cycles follow the NHS financial year, which starts on 1 April."""
    return date(cycle_year, 4, 1)


def cycle_label(cycle_year: int) -> str:
    """The NHS financial year a cycle runs over: 2026 is "2026/27"."""
    return f"{cycle_year}/{(cycle_year + 1) % 100:02d}"


# ---- life cycle ------------------------------------------------------------------------------


class TransitionRefused(Exception):
    def __init__(self, current: AppraisalStatus, move: Move) -> None:
        self.current = current
        self.move = move
        self.allowed = sorted(allowed_moves(current))
        super().__init__(f"an appraisal that is {current} cannot be {move}")


class ReasonMismatch(Exception):
    """A reason code was missing where one is needed, or given where none applies."""


def allowed_moves(current: AppraisalStatus) -> frozenset[Move]:
    return frozenset(TRANSITIONS.get(current, {}))


def check_transition(
    current: AppraisalStatus,
    move: Move,
    *,
    reopen_reason: ReopenReason | None,
    cancel_reason: CancelReason | None,
) -> AppraisalStatus:
    """The status ``move`` leads to from ``current``; raise unless it is allowed with the right
    reason. Reopening and cancelling change a record people (and pay progression) rely on, so
    they say why."""
    target = TRANSITIONS.get(current, {}).get(move)
    if target is None:
        raise TransitionRefused(current, move)
    if (move is Move.REOPENED) != (reopen_reason is not None):
        raise ReasonMismatch(
            "reopening needs a reason_code"
            if move is Move.REOPENED
            else f"a reason_code applies only to reopening, not to {move}"
        )
    if (move is Move.CANCELLED) != (cancel_reason is not None):
        raise ReasonMismatch(
            "cancelling needs a cancel_reason"
            if move is Move.CANCELLED
            else f"a cancel_reason applies only to cancelling, not to {move}"
        )
    return target


def is_editable(status: AppraisalStatus) -> bool:
    return status in EDITABLE_STATUSES


def is_appraisee_signature(current: AppraisalStatus, move: Move) -> bool:
    """The appraisee signs either first (to signed_by_appraisee) or second (completing after
    the appraiser)."""
    return move is Move.SIGNED_BY_APPRAISEE or (
        move is Move.COMPLETED and current is S.SIGNED_BY_APPRAISER
    )


def is_signature(move: Move) -> bool:
    return move in (Move.SIGNED_BY_APPRAISEE, Move.SIGNED_BY_APPRAISER, Move.COMPLETED)


class SignOffRefused(Exception):
    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        super().__init__(message)


def disagreement_recorded(
    *, board_role: BoardRole | None, appraisee_signing: bool, appraisee_agrees: bool
) -> bool:
    """Whether this signature records the appraisee's disagreement; raise when it may not.

    For a non-executive director the NED good-practice guide settles it: when appraisee and
    chair disagree, the chair's assessment stands and the NED's disagreement is noted, so the
    NED signs and the disagreement is recorded. Anyone else resolves it in the meeting first:
    the appraisal goes back to ``meeting``, where the content can change.
    """
    if appraisee_agrees:
        return False
    if not appraisee_signing:
        raise SignOffRefused(
            "sign_off.disagreement_by_appraisee",
            "only the appraisee's signature can record a disagreement",
        )
    if board_role is not BoardRole.NON_EXECUTIVE:
        raise SignOffRefused(
            "sign_off.disagreement_unresolved",
            "a disagreement is recorded at sign-off only for a non-executive director, whose "
            "chair's assessment stands; otherwise return the appraisal to the meeting",
        )
    return True


# ---- completion rules -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectiveFacts:
    weight: int
    outcome: PerformanceOutcome | None
    is_edi: bool


@dataclass(frozen=True, slots=True)
class CompletionFacts:
    """What the completion rules look at, loaded by the service."""

    kind: AppraisalKind
    objectives: Sequence[ObjectiveFacts]
    performance_outcome: PerformanceOutcome | None
    behaviour_outcome: BehaviourOutcome | None
    behaviour_scores: Mapping[str, BehaviourFrequency]
    aspirations_recorded: bool
    wellbeing_conversation_held: bool
    manages_people: bool
    board_role: BoardRole | None
    on: date
    fppt_assessed_on: date | None = None
    # Categories of multi-source feedback with enough responses to be reported (board only).
    feedback_categories_reported: Sequence[str] = ()
    # The organisation's live required local questions this appraisal has not answered.
    unanswered_required_local_questions: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class UnmetRule:
    rule: str
    path: str
    message: str


def edi_objective_required(*, manages_people: bool, board_role: BoardRole | None) -> bool:
    """Line managers and every board member carry at least one EDI objective (EDI Improvement
    Plan, June 2023; BMAF 2025 for board members)."""
    return manages_people or board_role is not None


def fppt_current(assessed_on: date | None, on: date) -> bool:
    return assessed_on is not None and on - FPPT_VALIDITY <= assessed_on <= on


def _objective_rules(facts: CompletionFacts) -> list[UnmetRule]:
    unmet: list[UnmetRule] = []
    if not facts.objectives:
        unmet.append(UnmetRule("objectives.present", "objectives", "record at least one objective"))
        return unmet
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
    return unmet


def unmet_completion_rules(facts: CompletionFacts) -> list[UnmetRule]:
    """Every mandatory section still missing; empty when the appraisal may be signed off."""
    unmet = _objective_rules(facts)
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
    expected = behaviour_codes(facts.kind)
    missing = [code for code in expected if code not in facts.behaviour_scores]
    if missing:
        what = "LCF domain" if facts.kind is AppraisalKind.BOARD else "NHS value"
        unmet.append(
            UnmetRule(
                "behaviours.every_item_scored",
                "behaviour_scores",
                f"score every {what}; missing: " + ", ".join(missing),
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
                "hold the wellbeing conversation before signing off",
            )
        )
    # An organisation's required local question is a mandatory section of its own: the same
    # rule holds completion back, though the national sections can never be removed.
    for code in facts.unanswered_required_local_questions:
        unmet.append(
            UnmetRule(
                "local_questions.required_answered",
                f"local_answers.{code}",
                f"answer the organisation's required local question {code}",
            )
        )
    if facts.kind is AppraisalKind.BOARD:
        if not fppt_current(facts.fppt_assessed_on, facts.on):
            unmet.append(
                UnmetRule(
                    "board.fppt_confirmed",
                    "fppt_assessed_on",
                    "confirm a fit and proper person test assessment in the last 12 months",
                )
            )
        if not facts.feedback_categories_reported:
            unmet.append(
                UnmetRule(
                    "board.multi_source_feedback",
                    "feedback",
                    "a board appraisal needs multi-source feedback with at least one category "
                    "reaching the reporting minimum",
                )
            )
    return unmet


class RuleBroken(Exception):
    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        super().__init__(message)


def check_appraiser_is_not_appraisee(*, person_id: str, appraiser_id: str) -> None:
    """Nobody appraises themselves: the appraisal is a conversation between two people."""
    if person_id.strip().upper() == appraiser_id.strip().upper():
        raise RuleBroken(
            "appraiser.not_appraisee", "the appraiser must be someone other than the appraisee"
        )


def unknown_behaviour_codes(kind: AppraisalKind, codes: Sequence[str]) -> list[str]:
    """Codes that are not rated in this variant (an NHS value on a board appraisal, say)."""
    expected = set(behaviour_codes(kind))
    return sorted(code for code in codes if code not in expected)
