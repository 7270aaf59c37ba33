import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.disclosure import (
    DEFAULT_POLICY,
    NATIONAL_POLICY,
    SUPPRESSED_MARKER,
    ControlledCount,
    ControlledValue,
    DisclosurePolicy,
    control_breakdown,
    control_count,
    control_rate,
    control_statistic,
    control_table,
)

counts = st.integers(min_value=0, max_value=10**7)
policies = st.builds(
    lambda threshold, base, suppress_zero, secondary: DisclosurePolicy(
        suppress_below_or_equal=max(threshold, (base - 1) // 2),
        rounding_base=base,
        suppress_zero=suppress_zero,
        secondary_suppression=secondary,
    ),
    st.integers(min_value=0, max_value=20),
    st.integers(min_value=1, max_value=20),
    st.booleans(),
    st.booleans(),
)


# --- policy ---------------------------------------------------------------------------------------


def test_default_policy_is_the_nhs_rule() -> None:
    assert DEFAULT_POLICY.suppress_below_or_equal == 7
    assert DEFAULT_POLICY.rounding_base == 5
    assert DEFAULT_POLICY.suppress_zero is False
    assert DEFAULT_POLICY.secondary_suppression is True


def test_policy_is_frozen() -> None:
    with pytest.raises(AttributeError):
        DEFAULT_POLICY.rounding_base = 10  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"suppress_below_or_equal": -1}, ValueError),
        ({"rounding_base": 0}, ValueError),
        ({"rounding_base": -5}, ValueError),
        # 1 would be shown as 0 with no suppression and rounding to 5.
        ({"suppress_below_or_equal": 0, "rounding_base": 5}, ValueError),
        ({"suppress_below_or_equal": 3, "rounding_base": 10}, ValueError),
        ({"suppress_below_or_equal": 7.0}, TypeError),
        ({"rounding_base": True}, TypeError),
    ],
)
def test_policy_rejects_bad_settings(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        DisclosurePolicy(**kwargs)  # type: ignore[arg-type]


def test_policy_settings_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        DisclosurePolicy(7, 5)  # type: ignore[call-arg]


def test_smallest_threshold_that_cannot_round_a_count_to_zero_is_accepted() -> None:
    policy = DisclosurePolicy(suppress_below_or_equal=2, rounding_base=5)
    assert control_count(3, policy).value == 5


# --- control_count --------------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, 8))
def test_one_to_seven_are_suppressed(n: int) -> None:
    assert control_count(n) == ControlledCount(None, True)


def test_zero_is_shown_by_default() -> None:
    assert control_count(0) == ControlledCount(0, False)


def test_zero_can_be_suppressed_by_policy() -> None:
    policy = DisclosurePolicy(suppress_zero=True)
    assert control_count(0, policy).suppressed


@pytest.mark.parametrize(
    ("n", "shown"),
    [(8, 10), (10, 10), (12, 10), (13, 15), (17, 15), (18, 20), (100, 100), (1_234, 1_235)],
)
def test_other_counts_round_to_nearest_five(n: int, shown: int) -> None:
    assert control_count(n) == ControlledCount(shown, False)


def test_configurable_threshold_and_base() -> None:
    policy = DisclosurePolicy(suppress_below_or_equal=9, rounding_base=10)
    assert control_count(9, policy).suppressed
    assert control_count(10, policy).value == 10
    assert control_count(14, policy).value == 10
    assert control_count(15, policy).value == 20  # halves round up


def test_national_policy_leaves_counts_alone() -> None:
    for n in (0, 1, 3, 7, 8, 12, 1_234):
        assert control_count(n, NATIONAL_POLICY) == ControlledCount(n, False)


def test_negative_count_raises() -> None:
    with pytest.raises(ValueError, match="negative"):
        control_count(-1)


@pytest.mark.parametrize("bad", [3.0, "8", True, None])
def test_non_int_count_raises(bad: object) -> None:
    with pytest.raises(TypeError):
        control_count(bad)  # type: ignore[arg-type]


def test_json_rendering() -> None:
    assert control_count(3).to_json() == SUPPRESSED_MARKER == "*"
    assert control_count(23).to_json() == 25
    assert control_count(0).to_json() == 0
    assert json.dumps([control_count(n).to_json() for n in (0, 4, 9)]) == '[0, "*", 10]'
    assert str(control_count(4)) == "*"
    assert str(control_count(9)) == "10"


def test_controlled_count_invariant() -> None:
    with pytest.raises(ValueError):
        ControlledCount(5, True)
    with pytest.raises(ValueError):
        ControlledCount(None, False)


@given(n=counts)
def test_property_default_rule(n: int) -> None:
    result = control_count(n)
    assert result.suppressed == (1 <= n <= 7)
    if not result.suppressed:
        assert result.value is not None
        assert result.value % 5 == 0
        assert abs(result.value - n) <= 2
        assert (result.value == 0) == (n == 0)


@given(n=counts, policy=policies)
def test_property_any_policy(n: int, policy: DisclosurePolicy) -> None:
    result = control_count(n, policy)
    expected_suppressed = policy.suppress_zero if n == 0 else n <= policy.suppress_below_or_equal
    assert result.suppressed == expected_suppressed
    if result.value is not None:
        base = policy.rounding_base
        assert result.value % base == 0
        assert abs(result.value - n) * 2 <= base
        # A shown count of people is never published as "nobody".
        assert (result.value == 0) == (n == 0)


@given(a=counts, b=counts, policy=policies)
def test_property_rounding_is_monotone(a: int, b: int, policy: DisclosurePolicy) -> None:
    low, high = sorted((a, b))
    assert policy.round_count(low) <= policy.round_count(high)


# --- control_rate ---------------------------------------------------------------------------------


def test_rate_uses_rounded_figures() -> None:
    # True rate 12/23 = 52.2%; published from 10/25.
    assert control_rate(12, 23) == ControlledValue(40.0, False)


def test_rate_per_thousand() -> None:
    assert control_rate(12, 23, per=1000).value == pytest.approx(400.0)


@pytest.mark.parametrize(("numerator", "denominator"), [(3, 100), (0, 5), (5, 5), (6, 7)])
def test_rate_suppressed_when_either_side_is(numerator: int, denominator: int) -> None:
    result = control_rate(numerator, denominator)
    assert result == ControlledValue(None, True)
    assert result.to_json() == "*"


def test_zero_numerator_gives_zero_rate() -> None:
    assert control_rate(0, 40) == ControlledValue(0.0, False)


def test_zero_denominator_is_undefined_not_suppressed() -> None:
    result = control_rate(0, 0)
    assert result == ControlledValue(None, False)
    assert result.to_json() is None
    assert str(result) == ""


def test_zero_denominator_suppressed_when_policy_suppresses_zero() -> None:
    assert control_rate(0, 0, DisclosurePolicy(suppress_zero=True)).suppressed


def test_rate_accepts_already_controlled_cells() -> None:
    table = control_table({"a": 3, "b": 40, "c": 100})
    total = control_count(143)
    assert control_rate(table["b"], total).suppressed  # hidden by secondary suppression
    assert control_rate(table["c"], total).value == pytest.approx(100 * 100 / 145)


def test_rate_rejects_negative_and_bad_per() -> None:
    with pytest.raises(ValueError, match="numerator"):
        control_rate(-1, 10)
    with pytest.raises(ValueError, match="denominator"):
        control_rate(10, -1)
    with pytest.raises(ValueError):
        control_rate(10, 20, per=0)


@given(numerator=counts, extra=counts)
def test_property_proportion_stays_within_bounds(numerator: int, extra: int) -> None:
    denominator = numerator + extra
    result = control_rate(numerator, denominator)
    num, den = control_count(numerator), control_count(denominator)
    assert result.suppressed == (num.suppressed or den.suppressed)
    if result.value is not None:
        assert 0.0 <= result.value <= 100.0
        assert num.value is not None
        assert den.value is not None
        assert math.isclose(result.value, num.value * 100 / den.value)


# --- control_statistic ----------------------------------------------------------------------------


def test_statistic_about_few_people_is_suppressed() -> None:
    assert control_statistic(3.4, 7).suppressed
    assert control_statistic(3.4, 8) == ControlledValue(3.4, False)
    assert control_statistic(3.4, 0) == ControlledValue(None, False)
    assert control_statistic(3.4, 3, NATIONAL_POLICY).value == 3.4
    with pytest.raises(ValueError):
        control_statistic(1.0, -2)


# --- control_table --------------------------------------------------------------------------------


def test_table_without_suppression_is_only_rounded() -> None:
    assert control_table({"a": 12, "b": 0, "c": 48}) == {
        "a": ControlledCount(10, False),
        "b": ControlledCount(0, False),
        "c": ControlledCount(50, False),
    }


def test_single_suppressed_cell_takes_the_next_smallest_with_it() -> None:
    result = control_table({"white": 120, "asian": 3, "black": 40, "mixed": 15, "other": 0})
    assert [key for key, cell in result.items() if cell.suppressed] == ["asian", "mixed"]
    assert result["white"].value == 120
    assert result["black"].value == 40
    assert result["other"].value == 0  # zeros are left shown


def test_secondary_suppression_ties_go_to_the_earlier_key() -> None:
    result = control_table({"a": 20, "b": 5, "c": 20})
    assert [key for key, cell in result.items() if cell.suppressed] == ["a", "b"]


def test_two_suppressed_cells_need_no_secondary() -> None:
    result = control_table({"a": 2, "b": 5, "c": 9, "d": 50})
    assert [key for key, cell in result.items() if cell.suppressed] == ["a", "b"]


def test_lone_suppressed_cell_with_only_zeros_beside_it() -> None:
    result = control_table({"a": 4, "b": 0, "c": 0})
    assert [key for key, cell in result.items() if cell.suppressed] == ["a"]
    # The total equals the suppressed cell, so it is suppressed too.
    assert control_count(sum({"a": 4, "b": 0, "c": 0}.values())).suppressed


def test_secondary_suppression_can_be_switched_off() -> None:
    policy = DisclosurePolicy(secondary_suppression=False)
    result = control_table({"a": 3, "b": 40, "c": 100}, policy)
    assert [key for key, cell in result.items() if cell.suppressed] == ["a"]


def test_secondary_suppression_with_suppressed_zeros() -> None:
    policy = DisclosurePolicy(suppress_zero=True)
    assert [
        k for k, c in control_table({"a": 0, "b": 30, "c": 9}, policy).items() if c.suppressed
    ] == [
        "a",
        "c",
    ]
    both = control_table({"a": 0, "b": 3, "c": 9}, policy)
    assert [key for key, cell in both.items() if cell.suppressed] == ["a", "b"]


def test_table_keeps_key_order_and_accepts_any_hashable_key() -> None:
    keys = [("band", "8a"), ("band", "5"), ("band", "9")]
    result = control_table(dict(zip(keys, (30, 12, 50), strict=True)))
    assert list(result) == keys


def test_empty_table() -> None:
    assert control_table({}) == {}


def test_table_rejects_negative_cell_and_names_it() -> None:
    with pytest.raises(ValueError, match="'b'"):
        control_table({"a": 10, "b": -1})


def test_table_json() -> None:
    rendered = {k: v.to_json() for k, v in control_table({"x": 3, "y": 9, "z": 31}).items()}
    assert json.dumps(rendered) == '{"x": "*", "y": "*", "z": 30}'


tables = st.dictionaries(
    keys=st.text(min_size=1, max_size=3), values=st.integers(min_value=0, max_value=500), max_size=8
)


@given(table=tables, policy=policies)
def test_property_table_cells(table: dict[str, int], policy: DisclosurePolicy) -> None:
    result = control_table(table, policy)
    assert list(result) == list(table)
    for key, n in table.items():
        single = control_count(n, policy)
        cell = result[key]
        # A cell is either what control_count gives on its own or hidden by secondary suppression.
        assert cell == single or (cell.suppressed and not single.suppressed)


@given(table=tables, policy=policies)
def test_property_no_lone_suppressed_cell_beside_a_shown_total(
    table: dict[str, int], policy: DisclosurePolicy
) -> None:
    result = control_table(table, policy)
    hidden = [key for key, cell in result.items() if cell.suppressed]
    primary = [key for key, n in table.items() if control_count(n, policy).suppressed]
    if not policy.secondary_suppression:
        assert hidden == primary
        return
    assert len(hidden) - len(primary) in (0, 1)
    if len(hidden) == 1:
        # Only safe when nothing else in the group could give it away: every other cell is zero,
        # so the total is the hidden cell itself.
        (only,) = hidden
        assert all(n == 0 for key, n in table.items() if key != only)
        total = control_count(sum(table.values()), policy)
        assert total.suppressed


@given(table=tables)
def test_property_secondary_cell_is_the_smallest_shown(table: dict[str, int]) -> None:
    result = control_table(table)
    primary = {key for key, n in table.items() if control_count(n).suppressed}
    secondary = [key for key, cell in result.items() if cell.suppressed and key not in primary]
    if secondary:
        (chosen,) = secondary
        shown_nonzero = [n for key, n in table.items() if key not in primary and n > 0]
        assert table[chosen] == min(shown_nonzero)


# --- control_breakdown: nothing from 1 to 7 can be recovered by subtraction -------------------


def _possible_true_counts(
    published: ControlledCount, policy: DisclosurePolicy, limit: int
) -> range:
    """Every true count (up to ``limit``) that publishes as ``published`` on its own or, when
    hidden, that a reader cannot rule out (a hidden cell may be primary or secondary)."""
    if published.suppressed:
        return range(1 if not policy.suppress_zero else 0, limit + 1)
    assert published.value is not None
    half = policy.rounding_base // 2
    low = max(0, published.value - half)
    high = published.value + (policy.rounding_base - 1 - half)
    candidates = [n for n in range(low, high + 1) if control_count(n, policy) == published]
    return range(min(candidates), max(candidates) + 1)


def _bounds_from_subtraction(
    published_cells: list[ControlledCount],
    total: ControlledCount,
    policy: DisclosurePolicy,
    limit: int,
) -> list[tuple[int, int]]:
    """For each cell, the tightest [low, high] a reader gets by combining the total with every
    other published cell (each range of possible true counts is an interval, so sums are too)."""
    ranges = [_possible_true_counts(cell, policy, limit) for cell in published_cells]
    total_range = _possible_true_counts(total, policy, limit * len(published_cells))
    bounds = []
    for i, own in enumerate(ranges):
        others_low = sum(r.start for j, r in enumerate(ranges) if j != i)
        others_high = sum(r.stop - 1 for j, r in enumerate(ranges) if j != i)
        low = max(own.start, total_range.start - others_high)
        high = min(own.stop - 1, total_range.stop - 1 - others_low)
        bounds.append((low, high))
    return bounds


@given(
    table=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=6),
)
def test_property_no_count_from_one_to_seven_is_recoverable_by_subtraction(
    table: list[int],
) -> None:
    """The published cells and total never pin a suppressed cell to one value, whatever a reader
    subtracts from what (the worst case: the total minus every other cell)."""
    counts = {f"g{i}": n for i, n in enumerate(table)}
    published = control_breakdown(counts)
    cells = list(published.cells.values())
    bounds = _bounds_from_subtraction(cells, published.total, DEFAULT_POLICY, limit=60)
    for (low, high), true_value, cell in zip(bounds, table, cells, strict=True):
        assert low <= true_value <= high  # the reasoning is sound: the truth is never excluded
        if 1 <= true_value <= 7:
            assert cell.suppressed
            assert high > low, (counts, published)
    # No published figure is itself a count from 1 to 7.
    shown = [c.value for c in cells if c.value is not None] + [published.total.value]
    assert not any(v is not None and 1 <= v <= 7 for v in shown)


def test_total_is_rounded_on_its_own() -> None:
    published = control_breakdown({"white": 12, "bme": 3, "unknown": 9})
    assert published.total == ControlledCount(25, False)  # 24, rounded
    assert [k for k, c in published.cells.items() if c.suppressed] == ["bme", "unknown"]


def test_difference_of_two_totals_does_not_reveal_a_small_group() -> None:
    # Staff of a trust with and without one group of 3: both totals are rounded, so their
    # difference (5) is not the group's size, and 43 - 40 is one of several sizes it allows.
    with_group = control_breakdown({"a": 40, "b": 3})
    without_group = control_breakdown({"a": 40})
    assert (with_group.total.value, without_group.total.value) == (45, 40)
    assert with_group.cells["b"].suppressed and with_group.cells["a"].suppressed
    # True totals behind 45 are 43..47 and behind 40 are 38..42: the group is anywhere in 1..9.
    possible = {t - u for t in range(43, 48) for u in range(38, 43) if t - u > 0}
    assert {1, 3, 7, 9} <= possible
