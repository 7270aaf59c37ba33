"""Pure rules of multi-source feedback.

Sources: NHS England's board member appraisal framework (2025) requires annual multi-source
feedback assessed against the six domains of the Leadership Competency Framework (LCF, 2024);
staff feedback is asked against the six NHS Constitution values, the "how" of the appraisal.
The LCF self-assessment scale runs from "almost always" to "no chance to demonstrate"
(DOMAIN.md §1); the same frequency scale is used here so feedback and appraisal ratings agree.
"""

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class RaterCategory(StrEnum):
    PEER = "peer"
    DIRECT_REPORT = "direct_report"
    STAKEHOLDER = "stakeholder"
    GOVERNOR = "governor"
    BOARD_COLLEAGUE = "board_colleague"


class RequestStatus(StrEnum):
    PENDING = "pending"
    RESPONDED = "responded"
    WITHDRAWN = "withdrawn"


class WithdrawalReason(StrEnum):
    """Why a request was withdrawn: a code, never free text about the rater."""

    ASKED_IN_ERROR = "asked_in_error"
    RATER_UNAVAILABLE = "rater_unavailable"
    RATER_LEFT_ORGANISATION = "rater_left_organisation"
    CONFLICT_OF_INTEREST = "conflict_of_interest"


class Frequency(StrEnum):
    ALMOST_ALWAYS = "almost_always"
    OFTEN = "often"
    SOMETIMES = "sometimes"
    RARELY = "rarely"
    NO_CHANCE_TO_DEMONSTRATE = "no_chance_to_demonstrate"


# Points for averaging. "No chance to demonstrate" says nothing about how often a behaviour was
# shown, so it is left out of the mean rather than counted as zero.
FREQUENCY_POINTS: Mapping[Frequency, int] = {
    Frequency.ALMOST_ALWAYS: 4,
    Frequency.OFTEN: 3,
    Frequency.SOMETIMES: 2,
    Frequency.RARELY: 1,
}


class LcfDomain(StrEnum):
    """The six domains of the NHS Leadership Competency Framework for board members (2024)."""

    HIGH_QUALITY_SUSTAINABLE_OUTCOMES = "high_quality_sustainable_outcomes"
    STRATEGY_AND_TRANSFORMATION = "strategy_and_transformation"
    EQUALITY_AND_INCLUSION = "equality_and_inclusion"
    GOVERNANCE_AND_ASSURANCE = "governance_and_assurance"
    COMPASSIONATE_JUST_CULTURE = "compassionate_just_culture"
    PARTNERS_AND_COMMUNITIES = "partners_and_communities"


class NhsValueCode(StrEnum):
    """The six NHS Constitution values, as the staff appraisal rates them."""

    WORKING_TOGETHER_FOR_PATIENTS = "working_together_for_patients"
    RESPECT_AND_DIGNITY = "respect_and_dignity"
    COMMITMENT_TO_QUALITY_OF_CARE = "commitment_to_quality_of_care"
    COMPASSION = "compassion"
    IMPROVING_LIVES = "improving_lives"
    EVERYONE_COUNTS = "everyone_counts"


# The BMAF asks for at least three respondents per group before a group's answers are shown;
# below that a rater could be recognised from the spread of scores.
DEFAULT_MINIMUM_RESPONSES = 3
LINK_VALIDITY = timedelta(days=42)
TOKEN_BYTES = 32
# A rater may be nudged a few times; past that, more reminders become pressure on someone
# whose answer is voluntary, and a different rater is the better course.
MAX_REMINDERS_PER_REQUEST = 3


class FollowUpRefused(Exception):
    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        super().__init__(message)


def check_withdrawal(*, status: RequestStatus) -> None:
    """A request can be withdrawn once. Whether it was answered does not matter, and the caller
    is not told: the requester must not learn who answered, and a withdrawn request's answer
    never counts either way."""
    if status is RequestStatus.WITHDRAWN:
        raise FollowUpRefused("feedback.already_withdrawn", "the request is already withdrawn")


def check_reminder(
    *, status: RequestStatus, reminders_so_far: int, expires_at: datetime, now: datetime
) -> None:
    """Whether one more reminder may be recorded for a request.

    An answered request may still be reminded, so the answer to a reminder does not tell the
    requester who has answered; a withdrawn or expired one has no working link to remind of.
    """
    if status is RequestStatus.WITHDRAWN:
        raise FollowUpRefused("feedback.withdrawn", "the request was withdrawn")
    if expires_at <= now:
        raise FollowUpRefused("feedback.link_expired", "the link has expired; ask again instead")
    if reminders_so_far >= MAX_REMINDERS_PER_REQUEST:
        raise FollowUpRefused(
            "feedback.reminder_limit",
            f"at most {MAX_REMINDERS_PER_REQUEST} reminders per request",
        )


def questions_for(*, board: bool) -> list[str]:
    """What raters are asked about: LCF domains for a board member, NHS values otherwise."""
    return [code.value for code in (LcfDomain if board else NhsValueCode)]


def new_link_token() -> str:
    """An unguessable link token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    # A plain SHA-256 suffices: the token has 256 bits of entropy, so there is nothing for a
    # slow password hash to protect against, and an exact digest can be looked up by index.
    return hashlib.sha256(token.encode()).hexdigest()


def link_expiry(requested_at: datetime) -> datetime:
    return requested_at + LINK_VALIDITY


def rating_problems(ratings: Mapping[str, str], *, board: bool) -> list[tuple[str, str]]:
    """Every (question code, message) wrong with a response; empty when it can be accepted."""
    expected = questions_for(board=board)
    problems = [
        (code, f"not asked of this appraisal; the questions are: {', '.join(expected)}")
        for code in ratings
        if code not in expected
    ]
    problems += [
        (code, "required: rate every question") for code in expected if code not in ratings
    ]
    return problems


@dataclass(frozen=True)
class CategoryResult:
    category: str
    requested: int
    reported: bool
    responses: int | None
    mean_by_question: dict[str, float | None] | None


@dataclass(frozen=True)
class Summary:
    """The aggregate that may be shown: categories below the minimum carry no numbers at all."""

    minimum_responses: int
    categories: list[CategoryResult]
    responses_reported: int
    overall_mean_by_question: dict[str, float | None]


def _means(
    responses: Iterable[Mapping[str, str]], questions: Sequence[str]
) -> dict[str, float | None]:
    means: dict[str, float | None] = {}
    for question in questions:
        points = [
            FREQUENCY_POINTS[Frequency(answer)]
            for response in responses
            if (answer := response.get(question)) is not None
            and Frequency(answer) in FREQUENCY_POINTS
        ]
        means[question] = round(sum(points) / len(points), 2) if points else None
    return means


def summarise(
    *,
    requested_by_category: Mapping[str, int],
    responses_by_category: Mapping[str, Sequence[Mapping[str, str]]],
    questions: Sequence[str],
    minimum_responses: int,
) -> Summary:
    """Aggregate responses per category, showing a category only at ``minimum_responses`` or more.

    A suppressed category shows neither its count of responses nor any mean, and the overall
    means are worked out from the reported categories alone: an overall figure that included a
    suppressed category could be set against the reported ones to recover it.
    """
    results = []
    reported_responses: list[Mapping[str, str]] = []
    for category in RaterCategory:
        responses = responses_by_category.get(category.value, [])
        requested = requested_by_category.get(category.value, 0)
        if requested == 0 and not responses:
            continue
        shown = len(responses) >= minimum_responses
        if shown:
            reported_responses.extend(responses)
        results.append(
            CategoryResult(
                category=category.value,
                requested=requested,
                reported=shown,
                responses=len(responses) if shown else None,
                mean_by_question=_means(responses, questions) if shown else None,
            )
        )
    return Summary(
        minimum_responses=minimum_responses,
        categories=results,
        responses_reported=len(reported_responses),
        overall_mean_by_question=_means(reported_responses, questions),
    )
