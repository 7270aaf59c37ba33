"""The national appraisal template as pure data, and the rules for organisations' local questions.

The national content is part of the code, versioned like a schema: a new version is a release,
not a database edit, so no organisation can remove or reword a national section. Organisations
add local questions, which live beside the national sections and never replace them.

Sources: the NHS Constitution values; the six domains of the NHS Leadership Competency Framework
for board members (NHS England, February 2024); the Board Member Appraisal Framework (NHS England,
April 2025, PRN01450); Scope for Growth (NHS Leadership Academy). The rating scales are a design
choice: no NHS-wide scale is mandated (NHS Employers' pay progression guidance leaves it local).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class AppraisalKind(StrEnum):
    STAFF = "staff"
    BOARD = "board"


class PerformanceOutcome(StrEnum):
    """The "what": delivery against objectives, on the template's 4-point scale."""

    EXCEEDS = "exceeds"
    MEETS = "meets"
    PARTIALLY_MEETS = "partially_meets"
    NOT_MET = "not_met"


class BehaviourOutcome(StrEnum):
    """The "how", rated apart from the "what" so one never hides the other."""

    EXCEEDS = "exceeds"
    MEETS = "meets"
    PARTIALLY_MEETS = "partially_meets"
    NOT_MET = "not_met"


class BehaviourFrequency(StrEnum):
    """How often a behaviour is shown. The LCF's scale runs from "almost always" to "no chance
    to demonstrate"; the points between are this template's choice."""

    ALMOST_ALWAYS = "almost_always"
    OFTEN = "often"
    SOMETIMES = "sometimes"
    RARELY = "rarely"
    NO_CHANCE_TO_DEMONSTRATE = "no_chance_to_demonstrate"


class NhsValue(StrEnum):
    """The six NHS Constitution values: the behaviours of every member of staff."""

    WORKING_TOGETHER_FOR_PATIENTS = "working_together_for_patients"
    RESPECT_AND_DIGNITY = "respect_and_dignity"
    COMMITMENT_TO_QUALITY_OF_CARE = "commitment_to_quality_of_care"
    COMPASSION = "compassion"
    IMPROVING_LIVES = "improving_lives"
    EVERYONE_COUNTS = "everyone_counts"


class LcfDomain(StrEnum):
    """The six domains of the Leadership Competency Framework for board members (2024).

    Codes, not titles: the draft titles of 2023 differed, and codes survive rewording."""

    HIGH_QUALITY_SUSTAINABLE_OUTCOMES = "lcf_outcomes"
    STRATEGY_AND_TRANSFORMATION = "lcf_strategy"
    EQUALITY_AND_INCLUSION = "lcf_equality"
    GOVERNANCE_AND_ASSURANCE = "lcf_governance"
    COMPASSIONATE_CULTURE = "lcf_culture"
    PARTNERS_AND_COMMUNITIES = "lcf_partnerships"


LCF_DOMAIN_TITLES: dict[LcfDomain, str] = {
    LcfDomain.HIGH_QUALITY_SUSTAINABLE_OUTCOMES: "Driving high quality and sustainable outcomes",
    LcfDomain.STRATEGY_AND_TRANSFORMATION: (
        "Setting strategy and delivering long-term transformation"
    ),
    LcfDomain.EQUALITY_AND_INCLUSION: (
        "Promoting equality and inclusion, and reducing health and workforce inequalities"
    ),
    LcfDomain.GOVERNANCE_AND_ASSURANCE: "Providing robust governance and assurance",
    LcfDomain.COMPASSIONATE_CULTURE: "Creating a compassionate, just and positive culture",
    LcfDomain.PARTNERS_AND_COMMUNITIES: (
        "Building a trusted relationship with partners and communities"
    ),
}
NHS_VALUE_TITLES: dict[NhsValue, str] = {
    NhsValue.WORKING_TOGETHER_FOR_PATIENTS: "Working together for patients",
    NhsValue.RESPECT_AND_DIGNITY: "Respect and dignity",
    NhsValue.COMMITMENT_TO_QUALITY_OF_CARE: "Commitment to quality of care",
    NhsValue.COMPASSION: "Compassion",
    NhsValue.IMPROVING_LIVES: "Improving lives",
    NhsValue.EVERYONE_COUNTS: "Everyone counts",
}


class GrowthDirection(StrEnum):
    """Scope for Growth's three growth categories."""

    DEPTH = "depth"
    BREADTH = "breadth"
    STRETCH = "stretch"


class ImpactRating(StrEnum):
    """Scope for Growth's impact axis. The framework's own cell labels are not published in the
    sources used, so this three-point scale is the template's choice."""

    DEVELOPING = "developing"
    STRONG = "strong"
    EXCEPTIONAL = "exceptional"


class GrowthAmbition(StrEnum):
    """Scope for Growth's growth axis: the person's own ambition (template's three points)."""

    CONSOLIDATING = "consolidating"
    GROWING = "growing"
    READY_TO_MOVE = "ready_to_move"


class TargetLevel(StrEnum):
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
    CURRENT_ORGANISATION = "current_organisation"
    INTEGRATED_CARE_SYSTEM = "integrated_care_system"
    REGION = "region"
    NATIONAL = "national"


class SectionCode(StrEnum):
    OBJECTIVES = "objectives"
    BEHAVIOURS = "behaviours"
    CAREER_ASPIRATIONS = "career_aspirations"
    DEVELOPMENT_PLAN = "development_plan"
    WELLBEING = "wellbeing"
    EDI_OBJECTIVE = "edi_objective"
    MULTI_SOURCE_FEEDBACK = "multi_source_feedback"
    FPPT_CONFIRMATION = "fppt_confirmation"


@dataclass(frozen=True, slots=True)
class Section:
    code: SectionCode
    title: str
    purpose: str
    mandatory: bool
    # Who must complete it when not everyone must: "line_managers_and_board" for the EDI
    # objective, empty when ``mandatory`` says it all.
    mandatory_for: str | None = None
    scale: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    private: bool = False


@dataclass(frozen=True, slots=True)
class TemplateVariant:
    kind: AppraisalKind
    behaviour_framework: str
    behaviour_codes: tuple[str, ...]
    sections: tuple[Section, ...]

    def section(self, code: SectionCode) -> Section | None:
        return next((s for s in self.sections if s.code is code), None)


@dataclass(frozen=True, slots=True)
class Template:
    version: str
    title: str
    effective_from: str
    variants: dict[AppraisalKind, TemplateVariant] = field(default_factory=dict)

    def variant(self, kind: AppraisalKind) -> TemplateVariant:
        return self.variants[kind]


def _objectives(board: bool) -> Section:
    return Section(
        SectionCode.OBJECTIVES,
        "Objectives (what was delivered)",
        "SMART objectives linked to organisational priorities, each with a weight, progress and "
        "an outcome; weights total 100"
        + ("; allow for factors outside the board member's control" if board else ""),
        mandatory=True,
        scale=tuple(PerformanceOutcome),
    )


def _behaviours(board: bool) -> Section:
    if board:
        return Section(
            SectionCode.BEHAVIOURS,
            "Leadership competencies (how): the six LCF domains",
            "Each domain of the Leadership Competency Framework rated on the frequency scale, "
            "with an overall behaviour outcome kept apart from the performance outcome",
            mandatory=True,
            scale=tuple(BehaviourFrequency),
            items=tuple(LcfDomain),
        )
    return Section(
        SectionCode.BEHAVIOURS,
        "Behaviours (how): the NHS values",
        "Each NHS Constitution value rated on the frequency scale, with an overall behaviour "
        "outcome kept apart from the performance outcome",
        mandatory=True,
        scale=tuple(BehaviourFrequency),
        items=tuple(NhsValue),
    )


_COMMON_TAIL = (
    Section(
        SectionCode.CAREER_ASPIRATIONS,
        "Career aspirations (Scope for Growth)",
        "Impact and growth, direction (depth, breadth, stretch), target level and timeframe, "
        "mobility, and interest in roles in challenged organisations",
        mandatory=True,
    ),
    Section(
        SectionCode.DEVELOPMENT_PLAN,
        "Development plan",
        "Development items naming programmes of the national curriculum by code",
        mandatory=False,
    ),
    Section(
        SectionCode.WELLBEING,
        "Wellbeing conversation",
        "Recorded as held; what was said stays between the two people and is never stored",
        mandatory=True,
        private=True,
    ),
)

STAFF_VARIANT = TemplateVariant(
    kind=AppraisalKind.STAFF,
    behaviour_framework="nhs_values",
    behaviour_codes=tuple(NhsValue),
    sections=(
        _objectives(board=False),
        _behaviours(board=False),
        *_COMMON_TAIL,
        Section(
            SectionCode.EDI_OBJECTIVE,
            "Equality, diversity and inclusion objective",
            "At least one EDI objective (EDI Improvement Plan, high impact action 1)",
            mandatory=False,
            mandatory_for="line_managers",
        ),
    ),
)
BOARD_VARIANT = TemplateVariant(
    kind=AppraisalKind.BOARD,
    behaviour_framework="lcf_2024",
    behaviour_codes=tuple(LcfDomain),
    sections=(
        _objectives(board=True),
        _behaviours(board=True),
        *_COMMON_TAIL,
        Section(
            SectionCode.EDI_OBJECTIVE,
            "Equality, diversity and inclusion objective",
            "At least one EDI objective for every board member",
            mandatory=True,
        ),
        Section(
            SectionCode.MULTI_SOURCE_FEEDBACK,
            "Multi-source feedback",
            "Annual multi-source feedback, shown only in aggregate",
            mandatory=True,
        ),
        Section(
            SectionCode.FPPT_CONFIRMATION,
            "Fit and proper person test",
            "Confirmation that the board member was assessed under the FPPT framework in the "
            "last 12 months and remains fit and proper",
            mandatory=True,
        ),
    ),
)

DEFAULT_TEMPLATE_VERSION = "2025.1"
NATIONAL_TEMPLATES: dict[str, Template] = {
    DEFAULT_TEMPLATE_VERSION: Template(
        version=DEFAULT_TEMPLATE_VERSION,
        title="National appraisal for NHS staff and board members",
        effective_from="2025-04-01",
        variants={AppraisalKind.STAFF: STAFF_VARIANT, AppraisalKind.BOARD: BOARD_VARIANT},
    )
}


def get_template(version: str) -> Template | None:
    return NATIONAL_TEMPLATES.get(version)


# ---- local questions ---------------------------------------------------------------------------

MAX_LOCAL_QUESTIONS = 20
LOCAL_QUESTION_CODE = re.compile(r"^[a-z][a-z0-9_]{2,39}$")


class LocalAnswerType(StrEnum):
    TEXT = "text"
    YES_NO = "yes_no"


class LocalQuestionRefused(Exception):
    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        super().__init__(message)


def national_codes(template: Template) -> frozenset[str]:
    """Every code the national template uses: a local question may not take one of them, so it
    can never stand in for (or be read as) a national section."""
    codes: set[str] = {str(code) for code in SectionCode}
    for variant in template.variants.values():
        codes.update(variant.behaviour_codes)
    return frozenset(codes)


def check_local_question(
    *, template: Template, code: str, existing_codes: frozenset[str], existing_count: int
) -> None:
    """Raise unless an organisation may add a local question with this code."""
    if code in national_codes(template):
        raise LocalQuestionRefused(
            "local_questions.not_national",
            f"{code} is a national section or item: local questions add to the template, "
            "they cannot replace or reword it",
        )
    if code in existing_codes:
        raise LocalQuestionRefused(
            "local_questions.unique_code", f"the organisation already asks {code}"
        )
    if existing_count >= MAX_LOCAL_QUESTIONS:
        raise LocalQuestionRefused(
            "local_questions.limit",
            f"at most {MAX_LOCAL_QUESTIONS} live local questions per organisation and template",
        )


@dataclass(frozen=True, slots=True)
class LocalQuestionState:
    """What the rules need of one local question."""

    code: str
    answer_type: LocalAnswerType
    required: bool
    retired: bool


def check_can_change(question: LocalQuestionState) -> None:
    """A retired question is settled: it is no longer asked, so it cannot be made required (or
    optional) again, nor retired twice. Its code stays taken (see ``check_local_question``)."""
    if question.retired:
        raise LocalQuestionRefused(
            "local_questions.retired",
            f"{question.code} is retired; add a question with a new code instead",
        )


def questions_asked(
    questions: Sequence[LocalQuestionState], answered_codes: Sequence[str]
) -> dict[str, LocalQuestionState]:
    """The local questions one appraisal asks: every live question, and a retired one only
    when this appraisal answered it before it was retired, so the answer stays on record while
    no appraisal that had not answered it is asked it any more."""
    answered = set(answered_codes)
    return {
        question.code: question
        for question in questions
        if not question.retired or question.code in answered
    }


def unanswered_required(
    questions: Sequence[LocalQuestionState], answers: Mapping[str, str | bool]
) -> list[str]:
    """Codes of live required questions with no answer (blank text is no answer). A retired
    question is never required: an appraisal cannot be held up by a question nobody asks."""
    missing = []
    for question in questions:
        if not question.required or question.retired:
            continue
        answer = answers.get(question.code)
        if answer is None or (isinstance(answer, str) and not answer.strip()):
            missing.append(question.code)
    return sorted(missing)
