"""Pure rules of the oversight analytics: WRES and WDES groupings and relative likelihoods.

Sources: NHS England, Workforce Race Equality Standard (indicators 1-9; a relative likelihood is
the rate in one group divided by the rate in the other, 1.00 meaning parity, published to two
decimal places) and Workforce Disability Equality Standard (metrics 1-10). Ethnic category codes
are the NHS Data Dictionary's ("Ethnic Category", 2001 census 16+1 groups, format an2 whose first
character is the national code).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from shared.disclosure import DEFAULT_POLICY, ControlledCount, DisclosurePolicy, control_table


class WresGroup(StrEnum):
    WHITE = "white"
    BME = "bme"
    UNKNOWN = "unknown"


class DisabilityGroup(StrEnum):
    DISABLED = "disabled"
    NON_DISABLED = "non_disabled"
    UNKNOWN = "unknown"


class SexGroup(StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


class Dimension(StrEnum):
    ETHNICITY = "ethnicity"
    DISABILITY = "disability"
    SEX = "sex"


# WRES counts White British (A), White Irish (B) and any other White background (C) as white;
# every other stated category is BME. Not stated (Z) and not known (99) are reported as unknown,
# never folded into either group.
WHITE_CODES = frozenset("ABC")
BME_CODES = frozenset("DEFGHJKLMNPRS")

# Each dimension: the reference group, whose likelihood is the numerator as in WRES indicators
# 2 and 4 ("relative likelihood of white staff ... compared with BME staff") and WDES metric 2
# ("non-disabled compared with Disabled"), and the comparison group.
COMPARISONS: dict[Dimension, tuple[str, str]] = {
    Dimension.ETHNICITY: (WresGroup.WHITE, WresGroup.BME),
    Dimension.DISABILITY: (DisabilityGroup.NON_DISABLED, DisabilityGroup.DISABLED),
    Dimension.SEX: (SexGroup.MALE, SexGroup.FEMALE),
}
GROUPS: dict[Dimension, tuple[str, ...]] = {
    Dimension.ETHNICITY: tuple(WresGroup),
    Dimension.DISABILITY: tuple(DisabilityGroup),
    Dimension.SEX: tuple(SexGroup),
}


def wres_group(ethnic_category: str | None) -> WresGroup:
    """The WRES group of an NHS Data Dictionary ethnic category code (the first character is
    the national code; a second character is for local use)."""
    if not ethnic_category:
        return WresGroup.UNKNOWN
    code = ethnic_category.strip().upper()
    if code == "99" or not code:
        return WresGroup.UNKNOWN
    national = code[0]
    if national in WHITE_CODES:
        return WresGroup.WHITE
    if national in BME_CODES:
        return WresGroup.BME
    return WresGroup.UNKNOWN


def disability_group(disability: str | None) -> DisabilityGroup:
    if disability == "yes":
        return DisabilityGroup.DISABLED
    if disability == "no":
        return DisabilityGroup.NON_DISABLED
    return DisabilityGroup.UNKNOWN


def sex_group(sex: str | None) -> SexGroup:
    if sex == "female":
        return SexGroup.FEMALE
    if sex == "male":
        return SexGroup.MALE
    return SexGroup.UNKNOWN


def group_of(dimension: Dimension, value: str | None) -> str:
    if dimension is Dimension.ETHNICITY:
        return wres_group(value)
    if dimension is Dimension.DISABILITY:
        return disability_group(value)
    return sex_group(value)


def likelihood(outcomes: int | float, population: int | float) -> float | None:
    """The share of a group with the outcome; None when the group is empty."""
    if population <= 0:
        return None
    return outcomes / population


def relative_likelihood(
    reference_likelihood: float | None, comparison_likelihood: float | None
) -> float | None:
    """Likelihood in the reference group divided by that in the comparison group.

    None when either is undefined or the comparison group never has the outcome (a ratio with
    a zero denominator says nothing a reader can act on; WRES reports leave it blank).
    """
    if reference_likelihood is None or comparison_likelihood is None:
        return None
    if comparison_likelihood == 0:
        return None
    return reference_likelihood / comparison_likelihood


def published(value: float | None, places: int = 2) -> float | None:
    """A relative likelihood as WRES publishes it: rounded to two decimal places."""
    return None if value is None else round(value, places)


@dataclass(frozen=True, slots=True)
class ControlledComparison:
    """One outcome for one dimension, every figure after disclosure control."""

    dimension: Dimension
    outcome_counts: dict[str, ControlledCount]
    population_counts: dict[str, ControlledCount]
    relative_likelihood: float | None
    suppressed: bool


def controlled_comparison(
    dimension: Dimension,
    outcomes: Mapping[str, int],
    population: Mapping[str, int],
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> ControlledComparison:
    """Control both breakdowns (with secondary suppression), then compute the relative
    likelihood from the published, rounded figures, so it reveals nothing they do not.

    Suppressed when any of the four figures it needs is suppressed.
    """
    groups = GROUPS[dimension]
    outcome_cells = control_table({g: int(outcomes.get(g, 0)) for g in groups}, policy)
    population_cells = control_table({g: int(population.get(g, 0)) for g in groups}, policy)
    reference, comparison = COMPARISONS[dimension]
    needed = (
        outcome_cells[reference],
        population_cells[reference],
        outcome_cells[comparison],
        population_cells[comparison],
    )
    if any(cell.suppressed for cell in needed):
        return ControlledComparison(dimension, outcome_cells, population_cells, None, True)
    ref_out, ref_pop, cmp_out, cmp_pop = (cell.value or 0 for cell in needed)
    ratio = relative_likelihood(likelihood(ref_out, ref_pop), likelihood(cmp_out, cmp_pop))
    return ControlledComparison(dimension, outcome_cells, population_cells, published(ratio), False)


def board_percentage_difference(
    board_share: float | None, workforce_share: float | None
) -> float | None:
    """WRES indicator 9 / WDES metric 10: board voting membership share minus workforce share,
    in percentage points."""
    if board_share is None or workforce_share is None:
        return None
    return round(board_share - workforce_share, 1)
