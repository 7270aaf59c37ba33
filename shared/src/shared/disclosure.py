"""Disclosure control for published aggregates about people.

Every figure about people below national level goes through this module before a service publishes
it. The default policy is NHS Digital's secondary-care rule, used for HES and ECDS since September
2018 ("Change to disclosure control methodology for HES and ECDS from September 2018"):

* counts of 1 to 7 are suppressed;
* every other count is rounded to the nearest 5;
* zero is shown as zero, because the rule suppresses only 1 to 7 (``suppress_zero`` turns that off);
* rates and percentages are worked out from the rounded numerator and denominator, and are
  suppressed when either of them is;
* means and medians based on 1 to 7 people are suppressed.

National figures are not controlled under that rule: use ``NATIONAL_POLICY`` for them.

A suppressed figure is rendered in JSON as the marker ``"*"``, as in NHS Digital's own publications;
any other figure is rendered as its number. An undefined rate (denominator of zero) is ``null``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Final, Generic, Literal, TypeVar

__all__ = [
    "DEFAULT_POLICY",
    "NATIONAL_POLICY",
    "SUPPRESSED_MARKER",
    "ControlledBreakdown",
    "ControlledCount",
    "ControlledValue",
    "DisclosurePolicy",
    "control_breakdown",
    "control_count",
    "control_rate",
    "control_statistic",
    "control_table",
]

SUPPRESSED_MARKER: Final[Literal["*"]] = "*"

K = TypeVar("K", bound=Hashable)


def _require_int(name: str, value: object) -> int:
    # bool is an int subclass, and True as a head count is always a bug upstream.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return value


@dataclass(frozen=True, kw_only=True, slots=True)
class DisclosurePolicy:
    """How counts about people are controlled before publication.

    ``suppress_below_or_equal``: counts from 1 up to this value are suppressed.
    ``rounding_base``: every other count is rounded to the nearest multiple of it (halves round up).
    ``suppress_zero``: suppress zero counts as well (the NHS rule shows them).
    ``secondary_suppression``: in ``control_table``, protect a lone suppressed cell from being
    worked out by subtraction from the group total.
    """

    suppress_below_or_equal: int = 7
    rounding_base: int = 5
    suppress_zero: bool = False
    secondary_suppression: bool = True

    def __post_init__(self) -> None:
        threshold = _require_int("suppress_below_or_equal", self.suppress_below_or_equal)
        base = _require_int("rounding_base", self.rounding_base)
        if threshold < 0:
            raise ValueError("suppress_below_or_equal must be >= 0")
        if base < 1:
            raise ValueError("rounding_base must be >= 1")
        # A shown count that rounds down to 0 would tell readers "nobody" when there were people.
        if threshold < (base - 1) // 2:
            raise ValueError(
                f"suppress_below_or_equal={threshold} lets counts that round to 0 through with "
                f"rounding_base={base}; it must be at least {(base - 1) // 2}"
            )

    def suppresses(self, n: int) -> bool:
        """Whether a true count ``n`` (>= 0) is suppressed on its own (primary suppression)."""
        if n == 0:
            return self.suppress_zero
        return n <= self.suppress_below_or_equal

    def round_count(self, n: int) -> int:
        """``n`` rounded to the nearest multiple of ``rounding_base``, halves up."""
        base = self.rounding_base
        return (n + base // 2) // base * base


DEFAULT_POLICY: Final = DisclosurePolicy()
"""Suppress 1 to 7, round the rest to the nearest 5, show zeros, secondary suppression on."""

NATIONAL_POLICY: Final = DisclosurePolicy(
    suppress_below_or_equal=0, rounding_base=1, secondary_suppression=False
)
"""No suppression and no rounding: NHS Digital does not control national-level counts."""


@dataclass(frozen=True, slots=True)
class ControlledCount:
    """A count after disclosure control: ``value`` is ``None`` exactly when ``suppressed``."""

    value: int | None
    suppressed: bool

    def __post_init__(self) -> None:
        if self.suppressed != (self.value is None):
            raise ValueError("a controlled count has a value if and only if it is not suppressed")

    def to_json(self) -> int | Literal["*"]:
        """The published form: the rounded count, or ``"*"`` when suppressed."""
        return SUPPRESSED_MARKER if self.value is None else self.value

    def __str__(self) -> str:
        return str(self.to_json())


_SUPPRESSED_COUNT: Final = ControlledCount(None, True)


@dataclass(frozen=True, slots=True)
class ControlledValue:
    """A rate, percentage, mean or median after disclosure control.

    ``value`` is ``None`` when ``suppressed``, and also when the figure is undefined (no one in the
    denominator); ``suppressed`` tells the two apart.
    """

    value: float | None
    suppressed: bool

    def __post_init__(self) -> None:
        if self.suppressed and self.value is not None:
            raise ValueError("a suppressed value cannot carry a number")

    def to_json(self) -> float | Literal["*"] | None:
        """The published form: the number, ``"*"`` when suppressed, ``None`` when undefined."""
        return SUPPRESSED_MARKER if self.suppressed else self.value

    def __str__(self) -> str:
        rendered = self.to_json()
        return "" if rendered is None else str(rendered)


_SUPPRESSED_VALUE: Final = ControlledValue(None, True)


def control_count(n: int, policy: DisclosurePolicy = DEFAULT_POLICY) -> ControlledCount:
    """Suppress or round one count of people.

    Raises ``ValueError`` for a negative count and ``TypeError`` for anything that is not an int.
    """
    n = _require_int("count", n)
    if n < 0:
        raise ValueError(f"a count of people cannot be negative, got {n}")
    if policy.suppresses(n):
        return _SUPPRESSED_COUNT
    return ControlledCount(policy.round_count(n), False)


def _control_named(name: str, n: int, policy: DisclosurePolicy) -> ControlledCount:
    # Name the offending figure: in a table of twenty cells "negative count" alone is no help.
    try:
        return control_count(n, policy)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{name}: {exc}") from exc


def _as_controlled(
    name: str, count: int | ControlledCount, policy: DisclosurePolicy
) -> ControlledCount:
    if isinstance(count, ControlledCount):
        return count
    return _control_named(name, count, policy)


def control_rate(
    numerator: int | ControlledCount,
    denominator: int | ControlledCount,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    per: float = 100,
) -> ControlledValue:
    """``numerator / denominator * per``, worked out from the controlled counts.

    Raw ints are controlled with ``policy`` first. A ``ControlledCount`` is taken as already
    controlled, so pass the cells that ``control_table`` returned: a cell hidden by secondary
    suppression must not reappear through its rate. The rate is suppressed when either side is
    suppressed, and undefined (``value`` ``None``, not suppressed) when the denominator is zero.
    """
    if per <= 0:
        raise ValueError(f"per must be positive, got {per}")
    num = _as_controlled("numerator", numerator, policy)
    den = _as_controlled("denominator", denominator, policy)
    if num.value is None or den.value is None:
        return _SUPPRESSED_VALUE
    if den.value == 0:
        return ControlledValue(None, False)
    return ControlledValue(num.value * per / den.value, False)


def control_statistic(
    value: float, n: int, policy: DisclosurePolicy = DEFAULT_POLICY
) -> ControlledValue:
    """A mean, median or similar figure about ``n`` people, suppressed when ``n`` would be.

    The figure itself is not rounded; it is undefined (``None``) when ``n`` is zero.
    """
    n = _require_int("n", n)
    if n < 0:
        raise ValueError(f"a count of people cannot be negative, got {n}")
    if policy.suppresses(n):
        return _SUPPRESSED_VALUE
    if n == 0:
        return ControlledValue(None, False)
    return ControlledValue(value, False)


def control_table(
    counts: Mapping[K, int], policy: DisclosurePolicy = DEFAULT_POLICY
) -> dict[K, ControlledCount]:
    """Control every cell of one breakdown whose total may be published alongside it.

    ``counts`` must be the complete breakdown of one group (for example staff by ethnic group in one
    trust), so that its total is ``sum(counts.values())``; publish that total with
    ``control_count``. Keys keep their order.

    Secondary suppression (when ``policy.secondary_suppression``): if exactly one cell is
    suppressed, the total minus the shown cells would give it away, so the smallest other non-zero
    shown cell is suppressed too (ties go to the earlier key). Zero cells are not used, since hiding
    a known zero adds no doubt about the cell it should protect. If no such cell exists, the other
    cells are all zero, the total equals the suppressed cell and is suppressed with it, so nothing
    more is needed. Two or more suppressed cells already hide each other.

    This handles one dimension only: for a cross-tabulation with row and column totals, suppression
    has to be coordinated across both, which this function does not do.
    """
    controlled = {key: _control_named(f"cell {key!r}", n, policy) for key, n in counts.items()}
    if not policy.secondary_suppression:
        return controlled

    suppressed = [key for key, cell in controlled.items() if cell.suppressed]
    if len(suppressed) != 1:
        return controlled

    candidates = [
        (counts[key], position, key)
        for position, (key, cell) in enumerate(controlled.items())
        if not cell.suppressed and counts[key] > 0
    ]
    if candidates:
        _, _, chosen = min(candidates, key=lambda candidate: (candidate[0], candidate[1]))
        controlled[chosen] = _SUPPRESSED_COUNT
    return controlled


@dataclass(frozen=True, slots=True)
class ControlledBreakdown(Generic[K]):
    """A breakdown and its total, controlled together for publication side by side."""

    cells: dict[K, ControlledCount]
    total: ControlledCount


def control_breakdown(
    counts: Mapping[K, int], policy: DisclosurePolicy = DEFAULT_POLICY
) -> ControlledBreakdown[K]:
    """The cells of one complete breakdown (``control_table``) and its total (``control_count``
    of the true sum), ready to publish together.

    The total is rounded on its own, never summed from the rounded cells: a sum of rounded
    cells next to a rounded total would let a reader bound the hidden cells more tightly.
    Subtracting the shown cells from the total leaves a range that always holds more than one
    value for a suppressed cell (each published figure is uncertain by up to half the rounding
    base), and secondary suppression keeps a lone hidden cell from being that whole difference.
    """
    cells = control_table(counts, policy)
    total = _control_named("total", sum(counts.values()), policy)
    return ControlledBreakdown(cells=dict(cells), total=total)
