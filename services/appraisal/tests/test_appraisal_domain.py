"""The pure rules of appraisals, templates, cycles, credentials and the people projection."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from appraisal.appraisals import domain
from appraisal.appraisals.domain import (
    AppraisalKind,
    AppraisalStatus,
    BehaviourFrequency,
    BehaviourOutcome,
    BoardRole,
    CancelReason,
    CompletionFacts,
    LcfDomain,
    Move,
    NhsValue,
    ObjectiveFacts,
    PerformanceOutcome,
    ReopenReason,
)
from appraisal.credentials import domain as credential_domain
from appraisal.credentials.domain import CredentialFacts
from appraisal.cycles import domain as cycle_domain
from appraisal.cycles.domain import MembershipChange
from appraisal.people import domain as people_domain
from appraisal.templates import domain as template_domain
from appraisal.templates.domain import SectionCode
from shared.reference.organisations import OrgType

S = AppraisalStatus
TODAY = date(2026, 11, 22)


def complete_facts(**overrides: object) -> CompletionFacts:
    facts: dict[str, object] = {
        "kind": AppraisalKind.STAFF,
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
        "on": TODAY,
    }
    facts.update(overrides)
    return CompletionFacts(**facts)  # type: ignore[arg-type]


def board_facts(**overrides: object) -> CompletionFacts:
    values: dict[str, object] = {
        "kind": AppraisalKind.BOARD,
        "board_role": BoardRole.NON_EXECUTIVE,
        "behaviour_scores": dict.fromkeys(LcfDomain, BehaviourFrequency.OFTEN),
        "fppt_assessed_on": TODAY - timedelta(days=100),
        "feedback_categories_reported": ["board_colleague"],
    }
    values.update(overrides)
    return complete_facts(**values)


def rules(facts: CompletionFacts) -> set[str]:
    return {rule.rule for rule in domain.unmet_completion_rules(facts)}


def move(current: AppraisalStatus, action: Move, **reasons: object) -> AppraisalStatus:
    return domain.check_transition(
        current,
        action,
        reopen_reason=reasons.get("reopen"),  # type: ignore[arg-type]
        cancel_reason=reasons.get("cancel"),  # type: ignore[arg-type]
    )


# ---- life cycle -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "action", "target"),
    [
        (S.NOT_STARTED, Move.PREPARATION, S.PREPARATION),
        (S.PREPARATION, Move.MEETING, S.MEETING),
        (S.MEETING, Move.SIGNED_BY_APPRAISEE, S.SIGNED_BY_APPRAISEE),
        (S.MEETING, Move.SIGNED_BY_APPRAISER, S.SIGNED_BY_APPRAISER),
        (S.SIGNED_BY_APPRAISEE, Move.COMPLETED, S.COMPLETED),
        (S.SIGNED_BY_APPRAISER, Move.COMPLETED, S.COMPLETED),
        (S.SIGNED_BY_APPRAISEE, Move.MEETING, S.MEETING),
        (S.SIGNED_BY_APPRAISER, Move.MEETING, S.MEETING),
    ],
)
def test_the_life_cycle_moves_forward(
    current: AppraisalStatus, action: Move, target: AppraisalStatus
) -> None:
    assert move(current, action) is target


def test_reopening_goes_back_to_the_meeting_with_a_reason() -> None:
    assert move(S.COMPLETED, Move.REOPENED, reopen=ReopenReason.APPEAL_UPHELD) is S.MEETING
    with pytest.raises(domain.ReasonMismatch):
        move(S.COMPLETED, Move.REOPENED)
    with pytest.raises(domain.ReasonMismatch):
        move(S.NOT_STARTED, Move.PREPARATION, reopen=ReopenReason.LATE_EVIDENCE)


def test_cancelling_needs_a_reason_and_ends_the_appraisal() -> None:
    for status in (S.NOT_STARTED, S.PREPARATION, S.MEETING, S.SIGNED_BY_APPRAISEE):
        assert move(status, Move.CANCELLED, cancel=CancelReason.DUPLICATE) is S.CANCELLED
    with pytest.raises(domain.ReasonMismatch):
        move(S.MEETING, Move.CANCELLED)
    with pytest.raises(domain.ReasonMismatch):
        move(S.MEETING, Move.SIGNED_BY_APPRAISER, cancel=CancelReason.DUPLICATE)
    assert domain.allowed_moves(S.CANCELLED) == frozenset()
    # A completed appraisal is reopened, never cancelled: others rely on what it said.
    with pytest.raises(domain.TransitionRefused):
        move(S.COMPLETED, Move.CANCELLED, cancel=CancelReason.DUPLICATE)


@pytest.mark.parametrize(
    ("current", "action"),
    [
        (S.NOT_STARTED, Move.COMPLETED),
        (S.NOT_STARTED, Move.MEETING),
        (S.PREPARATION, Move.SIGNED_BY_APPRAISEE),
        (S.MEETING, Move.COMPLETED),
        (S.SIGNED_BY_APPRAISEE, Move.SIGNED_BY_APPRAISEE),
        (S.COMPLETED, Move.MEETING),
        (S.COMPLETED, Move.COMPLETED),
        (S.MEETING, Move.REOPENED),
        (S.MEETING, Move.PREPARATION),
    ],
)
def test_skipping_or_going_back_is_refused(current: AppraisalStatus, action: Move) -> None:
    with pytest.raises(domain.TransitionRefused) as refused:
        move(current, action)
    assert refused.value.allowed == sorted(domain.allowed_moves(current))


def test_every_status_but_cancelled_has_a_way_on() -> None:
    assert set(domain.TRANSITIONS) == set(AppraisalStatus)
    assert {status for status in AppraisalStatus if not domain.TRANSITIONS[status]} == {S.CANCELLED}


def test_content_is_editable_only_before_the_first_signature() -> None:
    assert {status for status in AppraisalStatus if domain.is_editable(status)} == {
        S.NOT_STARTED,
        S.PREPARATION,
        S.MEETING,
    }


def test_who_signs() -> None:
    assert domain.is_appraisee_signature(S.MEETING, Move.SIGNED_BY_APPRAISEE)
    assert domain.is_appraisee_signature(S.SIGNED_BY_APPRAISER, Move.COMPLETED)
    assert not domain.is_appraisee_signature(S.SIGNED_BY_APPRAISEE, Move.COMPLETED)
    assert not domain.is_appraisee_signature(S.MEETING, Move.SIGNED_BY_APPRAISER)


def test_the_appraiser_is_not_the_appraisee() -> None:
    with pytest.raises(domain.RuleBroken) as broken:
        domain.check_appraiser_is_not_appraisee(person_id="ab12", appraiser_id="AB12 ")
    assert broken.value.rule == "appraiser.not_appraisee"
    domain.check_appraiser_is_not_appraisee(person_id="100001", appraiser_id="100002")


def test_cycles_follow_the_nhs_financial_year() -> None:
    assert domain.cycle_label(2026) == "2026/27"
    assert domain.cycle_label(2099) == "2099/00"
    assert domain.cycle_start(2026) == date(2026, 4, 1)


# ---- sign-off disagreement --------------------------------------------------------------------


def test_a_neds_disagreement_is_recorded_and_the_chairs_assessment_stands() -> None:
    assert domain.disagreement_recorded(
        board_role=BoardRole.NON_EXECUTIVE, appraisee_signing=True, appraisee_agrees=False
    )
    assert not domain.disagreement_recorded(
        board_role=BoardRole.NON_EXECUTIVE, appraisee_signing=True, appraisee_agrees=True
    )


@pytest.mark.parametrize("board_role", [None, BoardRole.EXECUTIVE_DIRECTOR, BoardRole.CHAIR])
def test_anyone_else_resolves_a_disagreement_in_the_meeting(board_role: BoardRole | None) -> None:
    with pytest.raises(domain.SignOffRefused) as refused:
        domain.disagreement_recorded(
            board_role=board_role, appraisee_signing=True, appraisee_agrees=False
        )
    assert refused.value.rule == "sign_off.disagreement_unresolved"


def test_only_the_appraisee_can_disagree() -> None:
    with pytest.raises(domain.SignOffRefused) as refused:
        domain.disagreement_recorded(
            board_role=BoardRole.NON_EXECUTIVE, appraisee_signing=False, appraisee_agrees=False
        )
    assert refused.value.rule == "sign_off.disagreement_by_appraisee"


# ---- completion rules -------------------------------------------------------------------------


def test_a_complete_appraisal_meets_every_rule() -> None:
    assert domain.unmet_completion_rules(complete_facts()) == []
    assert domain.unmet_completion_rules(board_facts()) == []


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
        "behaviours.every_item_scored",
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
    facts = complete_facts(objectives=[ObjectiveFacts(weight=100, outcome=None, is_edi=True)])
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


def test_staff_rate_every_nhs_value() -> None:
    scores = dict.fromkeys(NhsValue, BehaviourFrequency.ALMOST_ALWAYS)
    del scores[NhsValue.COMPASSION]
    unmet = domain.unmet_completion_rules(complete_facts(behaviour_scores=scores))
    assert [rule.rule for rule in unmet] == ["behaviours.every_item_scored"]
    assert "compassion" in unmet[0].message


def test_board_members_rate_the_six_lcf_domains_not_the_values() -> None:
    facts = board_facts(behaviour_scores=dict.fromkeys(NhsValue, BehaviourFrequency.OFTEN))
    unmet = domain.unmet_completion_rules(facts)
    assert [rule.rule for rule in unmet] == ["behaviours.every_item_scored"]
    assert "LCF domain" in unmet[0].message
    assert domain.unknown_behaviour_codes(AppraisalKind.BOARD, ["compassion", "lcf_culture"]) == [
        "compassion"
    ]
    assert domain.unknown_behaviour_codes(AppraisalKind.STAFF, ["lcf_culture"]) == ["lcf_culture"]


@pytest.mark.parametrize(
    ("assessed_on", "current"),
    [
        (TODAY, True),
        (TODAY - timedelta(days=365), True),
        (TODAY - timedelta(days=366), False),
        (TODAY + timedelta(days=1), False),
        (None, False),
    ],
)
def test_board_members_need_an_fppt_assessment_in_the_last_12_months(
    assessed_on: date | None, current: bool
) -> None:
    assert ("board.fppt_confirmed" not in rules(board_facts(fppt_assessed_on=assessed_on))) is (
        current
    )


def test_board_members_need_reported_multi_source_feedback() -> None:
    assert rules(board_facts(feedback_categories_reported=[])) == {"board.multi_source_feedback"}
    # Staff appraisals do not ask for it.
    assert rules(complete_facts(feedback_categories_reported=[])) == set()


def test_what_and_how_are_separate_scales() -> None:
    assert PerformanceOutcome is not BehaviourOutcome
    facts = complete_facts(performance_outcome=PerformanceOutcome.NOT_MET, behaviour_outcome=None)
    assert rules(facts) == {"outcomes.behaviour"}


# ---- templates --------------------------------------------------------------------------------


def test_the_national_template_has_a_staff_and_a_board_variant() -> None:
    template = template_domain.get_template(template_domain.DEFAULT_TEMPLATE_VERSION)
    assert template is not None
    staff = template.variant(AppraisalKind.STAFF)
    board = template.variant(AppraisalKind.BOARD)
    assert len(staff.behaviour_codes) == 6 and set(staff.behaviour_codes) == set(NhsValue)
    assert len(board.behaviour_codes) == 6 and set(board.behaviour_codes) == set(LcfDomain)
    board_sections = {s.code: s for s in board.sections}
    assert board_sections[SectionCode.MULTI_SOURCE_FEEDBACK].mandatory
    assert board_sections[SectionCode.FPPT_CONFIRMATION].mandatory
    assert board_sections[SectionCode.EDI_OBJECTIVE].mandatory
    assert staff.section(SectionCode.MULTI_SOURCE_FEEDBACK) is None
    wellbeing = staff.section(SectionCode.WELLBEING)
    assert wellbeing is not None and wellbeing.private and wellbeing.mandatory


def test_local_questions_cannot_take_a_national_code() -> None:
    template = template_domain.NATIONAL_TEMPLATES["2025.1"]
    for code in ("wellbeing", "objectives", "compassion", "lcf_culture"):
        with pytest.raises(template_domain.LocalQuestionRefused) as refused:
            template_domain.check_local_question(
                template=template, code=code, existing_codes=frozenset(), existing_count=0
            )
        assert refused.value.rule == "local_questions.not_national"
    with pytest.raises(template_domain.LocalQuestionRefused) as refused:
        template_domain.check_local_question(
            template=template,
            code="trust_values",
            existing_codes=frozenset({"trust_values"}),
            existing_count=1,
        )
    assert refused.value.rule == "local_questions.unique_code"
    with pytest.raises(template_domain.LocalQuestionRefused) as refused:
        template_domain.check_local_question(
            template=template,
            code="one_more",
            existing_codes=frozenset(),
            existing_count=template_domain.MAX_LOCAL_QUESTIONS,
        )
    assert refused.value.rule == "local_questions.limit"
    template_domain.check_local_question(
        template=template, code="trust_values", existing_codes=frozenset(), existing_count=0
    )


# ---- cycles -----------------------------------------------------------------------------------


def test_board_cycles_of_nhs_trusts_and_icbs_carry_nhs_englands_deadlines() -> None:
    for org_type in (OrgType.NHS_TRUST, OrgType.ICB):
        plan = cycle_domain.plan_cycle(org_type=org_type, cycle_year=2025, kind=AppraisalKind.BOARD)
        assert plan.chair_submission_deadline == date(2026, 6, 30)
        assert plan.ned_submission_deadline == date(2026, 9, 30)
        assert not plan.held_locally


def test_foundation_trust_board_appraisals_are_held_locally() -> None:
    plan = cycle_domain.plan_cycle(
        org_type=OrgType.FOUNDATION_TRUST, cycle_year=2025, kind=AppraisalKind.BOARD
    )
    assert plan.held_locally
    assert plan.chair_submission_deadline is None and plan.ned_submission_deadline is None


def test_staff_cycles_run_over_the_financial_year_by_default() -> None:
    plan = cycle_domain.plan_cycle(
        org_type=OrgType.FOUNDATION_TRUST, cycle_year=2026, kind=AppraisalKind.STAFF
    )
    assert (plan.window_opens, plan.window_closes) == (date(2026, 4, 1), date(2027, 3, 31))
    assert plan.completion_deadline == date(2027, 3, 31)
    assert not plan.held_locally and plan.chair_submission_deadline is None


def test_cycle_windows_are_checked() -> None:
    with pytest.raises(cycle_domain.CycleRefused) as refused:
        cycle_domain.plan_cycle(
            org_type=OrgType.NHS_TRUST,
            cycle_year=2026,
            kind=AppraisalKind.STAFF,
            window_opens=date(2026, 6, 1),
            window_closes=date(2026, 5, 1),
        )
    assert refused.value.rule == "cycles.window_order"
    with pytest.raises(cycle_domain.CycleRefused) as refused:
        cycle_domain.plan_cycle(org_type=OrgType.REGION, cycle_year=2026, kind=AppraisalKind.STAFF)
    assert refused.value.rule == "cycles.employing_organisation"


def test_chairs_and_neds_are_due_by_nhs_englands_deadlines() -> None:
    deadlines = {
        "completion_deadline": date(2026, 9, 30),
        "chair_submission_deadline": date(2026, 6, 30),
        "ned_submission_deadline": date(2026, 9, 30),
    }
    due = {
        role: cycle_domain.due_by(kind=AppraisalKind.BOARD, board_role=role, **deadlines)
        for role in ("chair", "non_executive", "executive_director")
    }
    assert due == {
        "chair": date(2026, 6, 30),
        "non_executive": date(2026, 9, 30),
        "executive_director": date(2026, 9, 30),
    }
    held_locally = {**deadlines, "chair_submission_deadline": None}
    assert cycle_domain.due_by(
        kind=AppraisalKind.BOARD, board_role="chair", **held_locally
    ) == date(2026, 9, 30)
    assert cycle_domain.due_by(kind=AppraisalKind.STAFF, board_role=None, **deadlines) == date(
        2026, 9, 30
    )


def _membership(**overrides: object) -> MembershipChange:
    values: dict[str, object] = {
        "person_active": True,
        "person_org": "RR8",
        "cycle_org": "RR8",
        "is_member": False,
        "member_active": False,
        "kind": AppraisalKind.STAFF,
        "on": date(2026, 6, 1),
        "window_closes": date(2027, 3, 31),
    }
    values.update(overrides)
    return cycle_domain.membership_change(**values)  # type: ignore[arg-type]


def test_joiners_join_and_leavers_leave_a_running_cycle() -> None:
    assert _membership() is MembershipChange.JOIN
    assert _membership(is_member=True, member_active=True) is MembershipChange.NONE
    assert _membership(is_member=True, member_active=False) is MembershipChange.JOIN
    assert _membership(person_active=False, is_member=True, member_active=True) is (
        MembershipChange.LEAVE
    )
    # Moving to another organisation is leaving this one.
    assert _membership(person_org="RJ1", is_member=True, member_active=True) is (
        MembershipChange.LEAVE
    )
    # A closed cycle is history.
    assert _membership(on=date(2027, 4, 1)) is MembershipChange.NONE
    # Board membership comes from board appraisals, not the people directory.
    assert _membership(kind=AppraisalKind.BOARD) is MembershipChange.NONE


# ---- credentials ------------------------------------------------------------------------------

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _credential(**overrides: object) -> CredentialFacts:
    values: dict[str, object] = {
        "programme_code": credential_domain.APPRAISAL_SKILLS_PROGRAMME,
        "awarded_at": NOW - timedelta(days=30),
        "expires_at": None,
        "revoked_at": None,
    }
    values.update(overrides)
    return CredentialFacts(**values)  # type: ignore[arg-type]


def test_an_appraisal_skills_credential_counts_while_valid() -> None:
    assert credential_domain.holds_appraisal_skills([_credential()], NOW)
    assert not credential_domain.holds_appraisal_skills([], NOW)
    assert not credential_domain.holds_appraisal_skills(
        [_credential(programme_code="NLA-MARY-SEACOLE")], NOW
    )
    assert not credential_domain.holds_appraisal_skills(
        [_credential(revoked_at=NOW - timedelta(days=1))], NOW
    )
    assert not credential_domain.holds_appraisal_skills(
        [_credential(expires_at=NOW - timedelta(seconds=1))], NOW
    )
    assert not credential_domain.holds_appraisal_skills(
        [_credential(awarded_at=NOW + timedelta(days=1))], NOW
    )
    # A revocation known before its award (replayed out of order) still counts as revoked.
    assert not credential_domain.holds_appraisal_skills(
        [_credential(programme_code=None, awarded_at=None, revoked_at=NOW)], NOW
    )


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
