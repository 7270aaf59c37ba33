"""Pure rules about the non-executive talent pool (Messenger recommendation 6; NHS England's
NExT Director scheme and Aspiring Chair programme)."""

from __future__ import annotations

from enum import StrEnum

from ned.vacancies.domain import LCF_DOMAINS


class Skill(StrEnum):
    """Board skills NHS England's NED recruitment asks for; ``outside_health`` is experience
    gained outside health and care, which boards are told to seek."""

    FINANCE = "finance"
    AUDIT = "audit"
    CLINICAL = "clinical"
    LEGAL = "legal"
    DIGITAL = "digital"
    PEOPLE = "people"
    ESTATES = "estates"
    OUTSIDE_HEALTH = "outside_health"


class Sector(StrEnum):
    ACUTE = "acute"
    MENTAL_HEALTH = "mental_health"
    COMMUNITY = "community"
    AMBULANCE = "ambulance"
    PRIMARY_CARE = "primary_care"
    SOCIAL_CARE = "social_care"
    LOCAL_GOVERNMENT = "local_government"
    VOLUNTARY = "voluntary"
    PRIVATE = "private"
    ACADEMIC = "academic"


class LcfRating(StrEnum):
    """The LCF self-assessment scale, from "almost always" to "no chance to demonstrate" (its
    middle points are not confirmed by a public source; see DOMAIN notes)."""

    ALMOST_ALWAYS = "almost_always"
    OFTEN = "often"
    SOMETIMES = "sometimes"
    RARELY = "rarely"
    NO_CHANCE_TO_DEMONSTRATE = "no_chance_to_demonstrate"


class Programme(StrEnum):
    NEXT_DIRECTOR = "next_director"
    ASPIRING_CHAIR = "aspiring_chair"


class ProgrammeStatus(StrEnum):
    NOMINATED = "nominated"
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    NOT_DECLARED = "not_declared"
    NOT_KNOWN = "not_known"


class Disability(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_DECLARED = "not_declared"
    NOT_KNOWN = "not_known"


# NHS Data Dictionary ethnic category: a national letter (I and O unused) or 99 "not known".
ETHNIC_CATEGORY_PATTERN = r"^(?:[A-HJ-NPRSZ]|99)$"


def self_assessment_problems(ratings: dict[str, LcfRating]) -> list[str]:
    """An LCF self-assessment is across all six domains: one rating for each, no others."""
    problems = [f"no rating for {code}" for code in LCF_DOMAINS if code not in ratings]
    problems += [f"{code} is not an LCF domain" for code in ratings if code not in LCF_DOMAINS]
    return problems


def programme_problems(memberships: list[tuple[Programme, ProgrammeStatus]]) -> list[str]:
    """At most one live membership of each programme (one can repeat after withdrawing)."""
    live = [p for p, status in memberships if status is not ProgrammeStatus.WITHDRAWN]
    return [f"more than one live {p.value} membership" for p in set(live) if live.count(p) > 1]
