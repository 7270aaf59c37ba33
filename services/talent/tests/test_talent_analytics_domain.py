"""Pure rules of the oversight analytics: WRES groups and relative likelihoods."""

import pytest

from talent.analytics import domain
from talent.analytics.domain import Dimension, WresGroup


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("A", WresGroup.WHITE),
        ("B", WresGroup.WHITE),
        ("C", WresGroup.WHITE),
        ("C3", WresGroup.WHITE),  # a local second character keeps the national group
        ("D", WresGroup.BME),
        ("H", WresGroup.BME),
        ("N", WresGroup.BME),
        ("R", WresGroup.BME),
        ("S", WresGroup.BME),
        ("Z", WresGroup.UNKNOWN),
        ("99", WresGroup.UNKNOWN),
        (None, WresGroup.UNKNOWN),
        ("", WresGroup.UNKNOWN),
    ],
)
def test_data_dictionary_codes_map_to_wres_groups(code: str | None, group: WresGroup) -> None:
    assert domain.wres_group(code) == group


def test_published_trust_figure_is_reproduced() -> None:
    """The Christie NHS Foundation Trust, "Workforce Race Equality Standard Action Plan
    2022-2023", metric 2 (https://thechristie.cld.bz/Workforce-Race-Equality-Standard-Action-Plan-2022-2023/3/):
    white candidates had a 46.99% chance of being appointed from shortlisting and BAME
    candidates 14.65%, and the plan reports white staff as "3.2 times more likely" to be
    appointed. This is a trust's published figure with its inputs, not the worked example of
    NHS England's WRES technical guidance, which was not found with its inputs.
    """
    ratio = domain.relative_likelihood(0.4699, 0.1465)
    assert ratio is not None
    assert round(ratio, 1) == 3.2
    assert domain.published(ratio) == 3.21


def test_relative_likelihood_from_counts() -> None:
    # 60 of 300 white staff and 30 of 300 BME staff accessed non-mandatory training.
    white = domain.likelihood(60, 300)
    bme = domain.likelihood(30, 300)
    assert domain.relative_likelihood(white, bme) == pytest.approx(2.0)
    assert domain.relative_likelihood(bme, white) == pytest.approx(0.5)


def test_relative_likelihood_is_undefined_without_people_or_outcomes() -> None:
    assert domain.likelihood(0, 0) is None
    assert domain.relative_likelihood(None, 0.2) is None
    assert domain.relative_likelihood(0.2, 0.0) is None


def test_controlled_comparison_uses_rounded_figures() -> None:
    result = domain.controlled_comparison(
        Dimension.ETHNICITY,
        outcomes={"white": 62, "bme": 28, "unknown": 11},
        population={"white": 301, "bme": 149, "unknown": 52},
    )
    assert not result.suppressed
    # From the published 60/300 and 30/150, not the true 62/301 and 28/149.
    assert result.relative_likelihood == 1.0
    assert result.outcome_counts["white"].value == 60


def test_controlled_comparison_is_suppressed_when_a_group_is_small() -> None:
    result = domain.controlled_comparison(
        Dimension.DISABILITY,
        outcomes={"non_disabled": 40, "disabled": 3, "unknown": 20},
        population={"non_disabled": 400, "disabled": 30, "unknown": 100},
    )
    assert result.suppressed
    assert result.relative_likelihood is None
    assert result.outcome_counts["disabled"].suppressed
    # Secondary suppression hides another cell too, so the total cannot give the 3 away.
    assert sum(cell.suppressed for cell in result.outcome_counts.values()) == 2


def test_board_percentage_difference() -> None:
    assert domain.board_percentage_difference(20.0, 32.5) == -12.5
    assert domain.board_percentage_difference(None, 32.5) is None
