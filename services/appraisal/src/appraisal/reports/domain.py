"""Pure rules of the appraisal reports: the chi-squared test of homogeneity and the grouping
of organisations for disclosure control.

Variation of outcomes. Messenger (2022) asks for less unwarranted variation in appraisal
between organisations. An organisation's distribution of outcomes (exceeds / meets / partially
meets / not met) is compared with the rest of its region by Pearson's chi-squared test of
homogeneity on the 2 x k table of counts: the statistic is the sum over cells of
(observed - expected)^2 / expected, with expected = row total x column total / grand total,
and (2 - 1)(k - 1) degrees of freedom after dropping outcomes nobody in either row received.
The p-value is the upper tail of the chi-squared distribution, the regularised upper
incomplete gamma function Q(df / 2, statistic / 2), worked out here by its power series or
its continued fraction (whichever converges fast for the argument).

An organisation is flagged when p < 0.01. The threshold is stricter than the usual 0.05
because every organisation of a region is tested at once (about twenty trusts and ICBs per
region), so at 0.05 one in twenty would be flagged by chance alone. The test is reported only
when the table is adequate for the chi-squared approximation (Cochran's rule: no expected
count below 1 and at most a fifth below 5). Outcomes are ordered, so when a rare outcome
(typically "not met") leaves the table short of that, the sparsest outcome is pooled with its
smaller neighbour (not met with partially meets, say) until the rule holds or two groups of
outcomes remain; if it still fails, the result says the organisation was not tested.
"""

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from shared.disclosure import ControlledCount, DisclosurePolicy, control_table

SIGNIFICANCE_THRESHOLD = 0.01
_EPSILON = 1e-14
_MAX_ITERATIONS = 500

K = TypeVar("K", bound=Hashable)


def chi_squared_upper_tail(statistic: float, degrees_of_freedom: int) -> float:
    """P(X >= statistic) for X chi-squared with ``degrees_of_freedom``."""
    if degrees_of_freedom < 1:
        raise ValueError("degrees_of_freedom must be at least 1")
    if statistic <= 0:
        return 1.0
    return _regularised_upper_gamma(degrees_of_freedom / 2, statistic / 2)


def _regularised_upper_gamma(a: float, x: float) -> float:
    # Q(a, x) = Γ(a, x) / Γ(a). Below x = a + 1 the series of the lower function P converges
    # quickly and Q = 1 - P; above it the continued fraction of Q does.
    log_prefactor = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        denominator = a
        for _ in range(_MAX_ITERATIONS):
            denominator += 1
            term *= x / denominator
            total += term
            if abs(term) < abs(total) * _EPSILON:
                break
        return max(0.0, 1.0 - total * math.exp(log_prefactor))
    # Modified Lentz evaluation of Q's continued fraction 1 / (x + 1 - a - 1(1 - a) / (x + 3 - a
    # - 2(2 - a) / (x + 5 - a - ...))).
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    fraction = d
    for i in range(1, _MAX_ITERATIONS):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        step = d * c
        fraction *= step
        if abs(step - 1) < _EPSILON:
            break
    return min(1.0, math.exp(log_prefactor) * fraction)


@dataclass(frozen=True)
class HomogeneityTest:
    statistic: float | None
    degrees_of_freedom: int | None
    p_value: float | None
    significant: bool | None
    reason: str


def homogeneity_test(
    rows: Sequence[Sequence[int]], threshold: float = SIGNIFICANCE_THRESHOLD
) -> HomogeneityTest:
    """Pearson's chi-squared test that every row of counts comes from one distribution."""
    if len(rows) < 2 or any(len(row) != len(rows[0]) for row in rows):
        raise ValueError("need at least two rows of equal length")
    if any(count < 0 for row in rows for count in row):
        raise ValueError("counts cannot be negative")
    # Outcomes nobody received carry no information and would give expected counts of zero.
    used = [j for j in range(len(rows[0])) if any(row[j] for row in rows)]
    table = [[row[j] for j in used] for row in rows]
    row_totals = [sum(row) for row in table]
    if any(total == 0 for total in row_totals):
        return HomogeneityTest(None, None, None, None, "a group has no completed appraisals")
    if len(used) < 2:
        return HomogeneityTest(None, None, None, None, "all outcomes fall in one category")
    table = _pool_until_adequate(table)
    if not _adequate(_expected(table)):
        return HomogeneityTest(
            None, None, None, None, "too few appraisals for the test (Cochran's rule)"
        )
    expected = _expected(table)
    statistic = sum(
        (observed - e) ** 2 / e
        for observed_row, expected_row in zip(table, expected, strict=True)
        for observed, e in zip(observed_row, expected_row, strict=True)
    )
    dof = (len(table) - 1) * (len(table[0]) - 1)
    p_value = chi_squared_upper_tail(statistic, dof)
    significant = p_value < threshold
    reason = (
        f"differs from the rest of its region (p < {threshold})"
        if significant
        else f"no significant difference from the rest of its region at p < {threshold}"
    )
    return HomogeneityTest(round(statistic, 4), dof, p_value, significant, reason)


def _expected(table: Sequence[Sequence[int]]) -> list[list[float]]:
    row_totals = [sum(row) for row in table]
    column_totals = [sum(column) for column in zip(*table, strict=True)]
    grand = sum(row_totals)
    return [[r * c / grand for c in column_totals] for r in row_totals]


def _adequate(expected: Sequence[Sequence[float]]) -> bool:
    """Cochran's rule for the chi-squared approximation."""
    cells = [value for row in expected for value in row]
    return min(cells) >= 1 and sum(value < 5 for value in cells) <= len(cells) / 5


def _pool_until_adequate(table: list[list[int]]) -> list[list[int]]:
    """Pool the sparsest ordered outcome into its smaller neighbour while the table fails
    Cochran's rule and more than two outcome groups remain."""
    while len(table[0]) > 2 and not _adequate(_expected(table)):
        totals = [sum(column) for column in zip(*table, strict=True)]
        sparsest = min(range(len(totals)), key=lambda j: (totals[j], j))
        neighbours = [j for j in (sparsest - 1, sparsest + 1) if 0 <= j < len(totals)]
        partner = min(neighbours, key=lambda j: (totals[j], j))
        low, high = sorted((sparsest, partner))
        table = [[*row[:low], row[low] + row[high], *row[high + 1 :]] for row in table]
    return table


def control_within_groups(
    counts: Mapping[K, int],
    group_of: Callable[[K], Hashable],
    policy: DisclosurePolicy,
) -> dict[K, ControlledCount]:
    """Control each count together with the others of its group (e.g. the trusts of one ICB).

    The group's total is published elsewhere (the ICB's own row), so each group is one
    breakdown for ``control_table``: a lone suppressed member gets a second one suppressed
    beside it, and the total minus the shown members cannot give it away.
    """
    groups: dict[Hashable, dict[K, int]] = {}
    for key, count in counts.items():
        groups.setdefault(group_of(key), {})[key] = count
    controlled: dict[K, ControlledCount] = {}
    for members in groups.values():
        controlled.update(control_table(members, policy))
    return controlled
