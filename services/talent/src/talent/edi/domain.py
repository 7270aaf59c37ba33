"""Pure rules of EDI improvement goals (NHS EDI Improvement Plan, June 2023: measurable
objectives that boards track; Messenger recommendation 2 asks that they be enforced)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class Direction(StrEnum):
    """Whether the indicator must reach at least or at most the target (a relative likelihood
    of 1.25 falling toward parity is ``at_most``; a share of BME staff rising is ``at_least``)."""

    AT_LEAST = "at_least"
    AT_MOST = "at_most"


class GoalStatus(StrEnum):
    MET = "met"
    ON_TRACK = "open"
    MISSED = "missed"
    WITHDRAWN = "withdrawn"


def is_met(value: float | None, target: float, direction: Direction) -> bool:
    if value is None:
        return False
    return value >= target if direction is Direction.AT_LEAST else value <= target


def goal_status(
    *,
    value: float | None,
    target: float,
    direction: Direction,
    deadline: date,
    today: date,
    withdrawn: bool,
) -> GoalStatus:
    """Met as soon as the indicator reaches the target; missed once the deadline has passed
    without that. An indicator that cannot be shown (suppressed) never counts as met: a goal
    nobody can verify is not achieved."""
    if withdrawn:
        return GoalStatus.WITHDRAWN
    if is_met(value, target, direction):
        return GoalStatus.MET
    if today > deadline:
        return GoalStatus.MISSED
    return GoalStatus.ON_TRACK


def progress_pct(value: float | None, baseline: float | None, target: float) -> float | None:
    """How far from the baseline toward the target the indicator has moved, in percent."""
    if value is None or baseline is None or baseline == target:
        return None
    return round(100 * (value - baseline) / (target - baseline), 1)
