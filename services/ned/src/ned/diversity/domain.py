"""Board diversity: board composition against the workforce and the local population, and the
appointment pipeline by group, with every figure put through the shared disclosure control.

Definitions (DOMAIN §8): WRES indicator 9 is the percentage difference between the board's
voting membership and the organisation's overall workforce by ethnicity, with executive
membership shown alongside; WDES metric 10 is the same by disability. WRES's "BME" is every
ethnic category except A, B and C (the White categories), with Z (not stated) and 99 (not known)
reported as unknown. Relative likelihoods follow WRES indicator 2 and WDES metric 2: the rate of
the reference group over the rate of the focus group, 1.0 meaning parity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from shared.disclosure import (
    DEFAULT_POLICY,
    ControlledCount,
    ControlledValue,
    DisclosurePolicy,
    control_count,
    control_rate,
    control_table,
)


class Dimension(StrEnum):
    SEX = "sex"
    ETHNICITY = "ethnicity"
    DISABILITY = "disability"


GROUPS: dict[Dimension, tuple[str, ...]] = {
    Dimension.SEX: ("female", "male", "not_stated"),
    Dimension.ETHNICITY: ("white", "bme", "unknown"),
    Dimension.DISABILITY: ("disabled", "non_disabled", "unknown"),
}

# Relative likelihood: (reference group, focus group), as WRES 2 (white vs BME) and WDES 2
# (non-disabled vs disabled) put them; for sex, men against women.
LIKELIHOOD_PAIRS: dict[Dimension, tuple[str, str]] = {
    Dimension.SEX: ("male", "female"),
    Dimension.ETHNICITY: ("white", "bme"),
    Dimension.DISABILITY: ("non_disabled", "disabled"),
}

WHITE_CATEGORIES = frozenset({"A", "B", "C"})
UNKNOWN_ETHNIC_CATEGORIES = frozenset({"Z", "99"})
EXECUTIVE_ROLES = frozenset({"chief_executive", "executive"})


def sex_group(value: str | None) -> str:
    code = (value or "").strip().lower()
    if code in {"female", "f", "woman"}:
        return "female"
    if code in {"male", "m", "man"}:
        return "male"
    # Not declared, not known, or a value this report does not break down.
    return "not_stated"


def ethnicity_group(category: str | None) -> str:
    code = (category or "").strip().upper()
    if not code or code in UNKNOWN_ETHNIC_CATEGORIES:
        return "unknown"
    # The first character is the national category; a second one is a local subdivision.
    if code[0] in WHITE_CATEGORIES:
        return "white"
    if "D" <= code[0] <= "S":
        return "bme"
    return "unknown"


def disability_group(value: str | None) -> str:
    code = (value or "").strip().lower()
    if code in {"yes", "y", "disabled", "true"}:
        return "disabled"
    if code in {"no", "n", "not_disabled", "non_disabled", "false"}:
        return "non_disabled"
    return "unknown"


@dataclass(frozen=True, slots=True)
class Characteristics:
    sex: str | None = None
    ethnic_category: str | None = None
    disability: str | None = None

    def group(self, dimension: Dimension) -> str:
        if dimension is Dimension.SEX:
            return sex_group(self.sex)
        if dimension is Dimension.ETHNICITY:
            return ethnicity_group(self.ethnic_category)
        return disability_group(self.disability)


@dataclass(frozen=True, slots=True)
class BoardMember:
    voting: bool
    executive: bool
    characteristics: Characteristics


def breakdown(people: Iterable[Characteristics], dimension: Dimension) -> dict[str, int]:
    counts = dict.fromkeys(GROUPS[dimension], 0)
    for person in people:
        counts[person.group(dimension)] += 1
    return counts


@dataclass(frozen=True, slots=True)
class ControlledBreakdown:
    """One group's counts after disclosure control, with the total and each group's share."""

    total: ControlledCount
    cells: dict[str, ControlledCount]
    shares: dict[str, ControlledValue]


def control_breakdown(
    counts: Mapping[str, int], policy: DisclosurePolicy = DEFAULT_POLICY
) -> ControlledBreakdown:
    """Cells with secondary suppression, the total, and shares worked out from the controlled
    figures, so a share never reveals a hidden cell."""
    total = control_count(sum(counts.values()), policy)
    cells = control_table(counts, policy)
    shares = {group: control_rate(cell, total, policy) for group, cell in cells.items()}
    return ControlledBreakdown(total, cells, shares)


def percentage_point_gap(board: ControlledValue, baseline: float | None) -> ControlledValue:
    """WRES 9 / WDES 10: board share minus the baseline share, in percentage points."""
    if board.suppressed:
        return ControlledValue(None, True)
    if board.value is None or baseline is None:
        return ControlledValue(None, False)
    return ControlledValue(round(board.value - baseline, 1), False)


def relative_likelihood(
    reference_rate: ControlledValue, focus_rate: ControlledValue
) -> ControlledValue:
    """Rate of the reference group over that of the focus group, from controlled rates."""
    if reference_rate.suppressed or focus_rate.suppressed:
        return ControlledValue(None, True)
    if reference_rate.value is None or not focus_rate.value:
        return ControlledValue(None, False)
    return ControlledValue(round(reference_rate.value / focus_rate.value, 2), False)


class Stage(StrEnum):
    APPLIED = "applied"
    SHORTLISTED = "shortlisted"
    APPOINTED = "appointed"


# An application that reached any of these stages was shortlisted on the way.
SHORTLISTED_OR_LATER = frozenset({"shortlisted", "interviewed", "recommended", "appointed"})


@dataclass(frozen=True, slots=True)
class Applicant:
    characteristics: Characteristics
    shortlisted: bool
    appointed: bool


# National workforce shares used when an organisation has not given its own baseline. National
# figures need no disclosure control. Groups without a sourced figure are left unknown (None)
# rather than derived. Sources:
# - BME 28.6% of NHS trust staff, WRES 2024 (NHS Employers, "NHS Workforce Race Equality
#   Standard", report published June 2025);
# - 4.9% of staff declaring a disability in ESR, WDES 2023 (NHS Employers, "Workforce Disability
#   Equality Standard 2023 report findings");
# - women 77% of NHS staff, September 2018 (NHS Digital, "International Women's Day 2019").
NATIONAL_WORKFORCE_SHARES: dict[Dimension, dict[str, float]] = {
    Dimension.SEX: {"female": 77.0},
    Dimension.ETHNICITY: {"bme": 28.6},
    Dimension.DISABILITY: {"disabled": 4.9},
}

MEASURES: dict[Dimension, str] = {
    Dimension.SEX: "board membership by sex against the workforce",
    Dimension.ETHNICITY: "WRES indicator 9: board membership by ethnicity against the workforce",
    Dimension.DISABILITY: "WDES metric 10: board membership by disability against the workforce",
}
