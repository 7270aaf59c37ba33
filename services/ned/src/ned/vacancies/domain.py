"""Pure rules of an appointment campaign: the vacancy's timeline, each application's path, and
which step needs which stage of the campaign.

Timeline (NHS England's public appointments process and governors' nominations committees work
alike): the post is advertised (``open``), applications close (``closed``), the panel sifts them
into a longlist and a shortlist (``sift``), interviews the shortlist (``interview``), and the
appointing body decides (``decision``); the vacancy is ``filled`` once an appointment is made.
"""

from __future__ import annotations

from enum import StrEnum

# The six LCF domains (standards service codes LCF-2024-D1..D6); from 1 April 2024 every board
# role description and recruitment must use them (LCF covering letter, NHS England, Feb 2024).
LCF_DOMAINS: tuple[str, ...] = tuple(f"LCF-2024-D{n}" for n in range(1, 7))


class VacancyReason(StrEnum):
    PLANNED_TERM_END = "planned_term_end"
    RESIGNATION = "resignation"
    NEW_SEAT = "new_seat"
    REMOVAL = "removal"


class CampaignStage(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    SIFT = "sift"
    INTERVIEW = "interview"
    DECISION = "decision"
    FILLED = "filled"
    WITHDRAWN = "withdrawn"


class ApplicationStage(StrEnum):
    APPLIED = "applied"
    LONGLISTED = "longlisted"
    SHORTLISTED = "shortlisted"
    INTERVIEWED = "interviewed"
    RECOMMENDED = "recommended"
    APPOINTED = "appointed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


# Moves of the campaign by its appointing body (``filled`` only by making an appointment).
CAMPAIGN_MOVES: dict[CampaignStage, frozenset[CampaignStage]] = {
    CampaignStage.OPEN: frozenset({CampaignStage.CLOSED, CampaignStage.WITHDRAWN}),
    CampaignStage.CLOSED: frozenset({CampaignStage.SIFT, CampaignStage.WITHDRAWN}),
    CampaignStage.SIFT: frozenset({CampaignStage.INTERVIEW, CampaignStage.WITHDRAWN}),
    CampaignStage.INTERVIEW: frozenset({CampaignStage.DECISION, CampaignStage.WITHDRAWN}),
    CampaignStage.DECISION: frozenset({CampaignStage.WITHDRAWN}),
    CampaignStage.FILLED: frozenset(),
    CampaignStage.WITHDRAWN: frozenset(),
}

ACTIVE_CAMPAIGN_STAGES = frozenset(CAMPAIGN_MOVES) - {CampaignStage.FILLED, CampaignStage.WITHDRAWN}

# Each forward step of an application, and the campaign stages in which the panel may take it.
APPLICATION_STEPS: dict[ApplicationStage, tuple[ApplicationStage, frozenset[CampaignStage]]] = {
    ApplicationStage.LONGLISTED: (
        ApplicationStage.APPLIED,
        frozenset({CampaignStage.CLOSED, CampaignStage.SIFT}),
    ),
    ApplicationStage.SHORTLISTED: (ApplicationStage.LONGLISTED, frozenset({CampaignStage.SIFT})),
    ApplicationStage.INTERVIEWED: (
        ApplicationStage.SHORTLISTED,
        frozenset({CampaignStage.INTERVIEW}),
    ),
    ApplicationStage.RECOMMENDED: (
        ApplicationStage.INTERVIEWED,
        frozenset({CampaignStage.INTERVIEW, CampaignStage.DECISION}),
    ),
    ApplicationStage.APPOINTED: (
        ApplicationStage.RECOMMENDED,
        frozenset({CampaignStage.DECISION}),
    ),
}
FINAL_APPLICATION_STAGES = frozenset(
    {ApplicationStage.APPOINTED, ApplicationStage.REJECTED, ApplicationStage.WITHDRAWN}
)


class CampaignRuleError(ValueError):
    """A step the campaign's state does not allow (a 409 conflict)."""


def check_campaign_move(current: CampaignStage, target: CampaignStage) -> None:
    if target not in CAMPAIGN_MOVES[current]:
        allowed = ", ".join(sorted(s.value for s in CAMPAIGN_MOVES[current])) or "none"
        raise CampaignRuleError(
            f"A campaign at {current.value} cannot move to {target.value} (allowed: {allowed})"
        )


def check_application_step(
    current: ApplicationStage, target: ApplicationStage, campaign: CampaignStage
) -> None:
    if current in FINAL_APPLICATION_STAGES:
        raise CampaignRuleError(f"The application is already {current.value}")
    if target in (ApplicationStage.REJECTED, ApplicationStage.WITHDRAWN):
        if campaign not in ACTIVE_CAMPAIGN_STAGES:
            raise CampaignRuleError(f"The campaign is {campaign.value}")
        return
    if target not in APPLICATION_STEPS:
        raise CampaignRuleError(f"An application cannot be moved to {target.value}")
    previous, stages = APPLICATION_STEPS[target]
    if current is not previous:
        raise CampaignRuleError(
            f"Only a {previous.value} application can be {target.value}; this one is "
            f"{current.value}"
        )
    if campaign not in stages:
        wanted = ", ".join(sorted(s.value for s in stages))
        raise CampaignRuleError(
            f"Applications are {target.value} while the campaign is at {wanted}; it is at "
            f"{campaign.value}"
        )


def check_role_description(role_description: str, lcf_domains: list[str]) -> list[str]:
    """The problems with a role description: every one of the six LCF domains must be named."""
    missing = [code for code in LCF_DOMAINS if code not in lcf_domains]
    return [f"the role description must cover {code}" for code in missing]


class EthnicGroup(StrEnum):
    """The five broad groups of the NHS Data Dictionary ethnic category, plus unknown."""

    WHITE = "white"
    MIXED = "mixed"
    ASIAN = "asian"
    BLACK = "black"
    OTHER = "other"
    NOT_STATED = "not_stated"


def ethnic_group(category: str | None) -> EthnicGroup:
    """The broad group of a Data Dictionary ethnic category code (A-C white, D-G mixed, H-L
    Asian or Asian British, M-P Black or Black British, R-S other; Z not stated, 99 not known).
    """
    if not category:
        return EthnicGroup.NOT_STATED
    letter = category[0].upper()
    if letter in "ABC":
        return EthnicGroup.WHITE
    if letter in "DEFG":
        return EthnicGroup.MIXED
    if letter in "HJKL":
        return EthnicGroup.ASIAN
    if letter in "MNP":
        return EthnicGroup.BLACK
    if letter in "RS":
        return EthnicGroup.OTHER
    return EthnicGroup.NOT_STATED
