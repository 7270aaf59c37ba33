"""The pure rules of appraisals and of the people projection: no database, no broker."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from appraisal.appraisals import domain
from appraisal.appraisals.domain import (
    AppraisalStatus,
    BehaviourFrequency,
    BehaviourOutcome,
    BoardRole,
    CompletionFacts,
    NhsValue,
    ObjectiveFacts,
    PerformanceOutcome,
    ReopenReason,
)
from appraisal.people import domain as people_domain

S = AppraisalStatus


def complete_facts(**overrides: object) -> CompletionFacts:
    facts: dict[str, object] = {
        "objectives": [
            ObjectiveFacts(weight=60, outcome=PerformanceOutcome.MEETS, is_edi=False),
            ObjectiveFacts(weight=40, outcome=PerformanceOutcome.EXCEEDS, is_edi=True),
        ],
        "performance_outcome": PerformanceOutcome.MEETS,
        "behaviour_outcome": BehaviourOutcome.EXCEEDS,
        "behaviour_scores": dict.fromkeys(NhsValue, BehaviourFrequency.OFTEN),
        "aspirations_recorded": True,
        "wellbeing_conversation_held": True,
        "manages_people": True,
        "board_role": None,
    }
    facts.update(overrides)
    return CompletionFacts(**facts)  # type: ignore[arg-type]


def rules(facts: CompletionFacts) -> set[str]:
    return {rule.rule for rule in domain.unmet_completion_rules(facts)}


# ---- life cycle -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.DRAFT, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.AWAITING_SIGN_OFF),
        (S.AWAITING_SIGN_OFF, S.COMPLETED),
        (S.AWAITING_SIGN_OFF, S.IN_PROGRESS),
        (S.REOPENED, S.IN_PROGRESS),
    ],
)
def test_the_life_cycle_moves_forward(current: AppraisalStatus, target: AppraisalStatus) -> None:
    domain.check_transition(current, target, None)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.DRAFT, S.COMPLETED),
        (S.DRAFT, S.AWAITING_SIGN_OFF),
        (S.DRAFT, S.REOPENED),
        (S.IN_PROGRESS, S.COMPLETED),
        (S.COMPLETED, S.IN_PROGRESS),
        (S.COMPLETED, S.COMPLETED),
        (S.REOPENED, S.COMPLETED),
        (S.IN_PROGRESS, S.DRAFT),
    ],
)
def test_skipping_or_going_back_is_refused(
    current: AppraisalStatus, target: AppraisalStatus
) -> None:
    with pytest.raises(domain.TransitionRefused) as refused:
        domain.check_transition(current, target, None)
    assert refused.value.allowed == sorted(domain.allowed_transitions(current))


def test_every_status_has_a_way_on() -> None:
    assert set(domain.TRANSITIONS) == set(AppraisalStatus)
    assert all(domain.TRANSITIONS[status] for status in AppraisalStatus)


def test_reopening_needs_a_reason_and_nothing_else_takes_one() -> None:
    with pytest.raises(domain.ReasonMismatch):
        domain.check_transition(S.COMPLETED, S.REOPENED, None)
    domain.check_transition(S.COMPLETED, S.REOPENED, ReopenReason.APPEAL_UPHELD)
    with pytest.raises(domain.ReasonMismatch):
        domain.check_transition(S.DRAFT, S.IN_PROGRESS, ReopenReason.LATE_EVIDENCE)


def test_content_is_editable_only_before_sign_off() -> None:
    assert {status for status in AppraisalStatus if domain.is_editable(status)} == {
        S.DRAFT,
        S.IN_PROGRESS,
    }


def test_cycles_follow_the_nhs_financial_year() -> None:
    assert domain.cycle_label(2026) == "2026/27"
    assert domain.cycle_label(2099) == "2099/00"
    assert domain.cycle_start(2026) == date(2026, 4, 1)


# ---- completion rules -------------------------------------------------------------------------


def test_a_complete_appraisal_meets_every_rule() -> None:
    assert domain.unmet_completion_rules(complete_facts()) == []


def test_an_empty_appraisal_lists_every_unmet_rule() -> None:
    facts = complete_facts(
        objectives=[],
        performance_outcome=None,
        behaviour_outcome=None,
        behaviour_scores={},
        aspirations_recorded=False,
        wellbeing_conversation_held=False,
    )
    assert rules(facts) == {
        "objectives.present",
        "objectives.edi_objective",
        "outcomes.performance",
        "outcomes.behaviour",
        "behaviours.every_value_scored",
        "aspirations.recorded",
        "wellbeing.conversation_held",
    }


def test_objective_weights_must_total_100() -> None:
    facts = complete_facts(
        objectives=[
            ObjectiveFacts(weight=50, outcome=PerformanceOutcome.MEETS, is_edi=True),
            ObjectiveFacts(weight=30, outcome=PerformanceOutcome.MEETS, is_edi=False),
        ]
    )
    unmet = domain.unmet_completion_rules(facts)
    assert [rule.rule for rule in unmet] == ["objectives.weights_total"]
    assert "not 80" in unmet[0].message


def test_every_objective_needs_an_outcome() -> None:
    facts = complete_facts(
        objectives=[
            ObjectiveFacts(weight=100, outcome=None, is_edi=True),
        ]
    )
    unmet = domain.unmet_completion_rules(facts)
    assert [(rule.rule, rule.path) for rule in unmet] == [
        ("objectives.outcome_recorded", "objectives.0.outcome")
    ]


@pytest.mark.parametrize(
    ("manages_people", "board_role", "required"),
    [
        (True, None, True),
        (False, BoardRole.NON_EXECUTIVE, True),
        (False, None, False),
    ],
)
def test_managers_and_board_members_need_an_edi_objective(
    manages_people: bool, board_role: BoardRole | None, required: bool
) -> None:
    facts = complete_facts(
        objectives=[ObjectiveFacts(weight=100, outcome=PerformanceOutcome.MEETS, is_edi=False)],
        manages_people=manages_people,
        board_role=board_role,
    )
    assert ("objectives.edi_objective" in rules(facts)) is required


def test_every_nhs_value_must_be_scored() -> None:
    scores = dict.fromkeys(NhsValue, BehaviourFrequency.ALMOST_ALWAYS)
    del scores[NhsValue.COMPASSION]
    unmet = domain.unmet_completion_rules(complete_facts(behaviour_scores=scores))
    assert [rule.rule for rule in unmet] == ["behaviours.every_value_scored"]
    assert "compassion" in unmet[0].message


def test_what_and_how_are_separate_scales() -> None:
    assert PerformanceOutcome is not BehaviourOutcome
    facts = complete_facts(performance_outcome=PerformanceOutcome.NOT_MET, behaviour_outcome=None)
    assert rules(facts) == {"outcomes.behaviour"}


def test_there_are_six_nhs_values() -> None:
    assert len(NhsValue) == 6


# ---- people projection ------------------------------------------------------------------------


def test_event_times_compare_in_utc() -> None:
    naive = datetime(2026, 5, 1, 12, 0)
    assert people_domain.as_utc(naive) == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    plus_two = datetime(2026, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert people_domain.as_utc(plus_two) == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_left_status() -> None:
    assert people_domain.has_left("left")
    assert not people_domain.has_left("active")
    assert not people_domain.has_left("suspended")
