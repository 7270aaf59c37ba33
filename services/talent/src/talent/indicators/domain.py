"""The indicators an organisation publishes each quarter, read from its oversight report.

Only figures that already passed disclosure control are used: a suppressed one is published as
suppressed (value, numerator and denominator null), never recomputed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

RATE_INDICATORS = {
    "appraisal_completion_pct": "appraisal_completion",
    "manager_standards_compliance_pct": "standards_compliance",
    "bench_ready_now_pct": "bench_strength",
}
OUTCOMES = ("non_mandatory_training", "pool_entry", "high_potential", "ready_now", "placement")
DIMENSIONS = ("ethnicity", "disability", "sex")
LIKELIHOOD_INDICATORS = {f"rl_{o}_{d}": (o, d) for o in OUTCOMES for d in DIMENSIONS}
SHARE_INDICATORS = {
    "workforce_bme_pct": ("ethnicity", "bme"),
    "workforce_disabled_pct": ("disability", "disabled"),
}
INDICATOR_CODES: tuple[str, ...] = (
    *RATE_INDICATORS,
    *SHARE_INDICATORS,
    *LIKELIHOOD_INDICATORS,
)


def quarter_of(day: date) -> str:
    """Calendar quarter label, e.g. ``2026-Q3``."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def previous_quarter(day: date) -> str:
    year, quarter = day.year, (day.month - 1) // 3 + 1
    if quarter == 1:
        return f"{year - 1}-Q4"
    return f"{year}-Q{quarter - 1}"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def indicators_from_report(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The published indicator list: code, value, numerator, denominator, suppressed."""
    indicators: list[dict[str, Any]] = []
    for code, section in RATE_INDICATORS.items():
        block = report[section]
        suppressed = "*" in (block["numerator"], block["denominator"], block["rate_pct"])
        indicators.append(
            {
                "code": code,
                "value": None if suppressed else _number(block["rate_pct"]),
                "numerator": None if suppressed else _integer(block["numerator"]),
                "denominator": None if suppressed else _integer(block["denominator"]),
                "suppressed": suppressed,
            }
        )
    for code, (dimension, group) in SHARE_INDICATORS.items():
        breakdown = report["workforce"][dimension]
        cell = next(g for g in breakdown["groups"] if g["group"] == group)
        suppressed = "*" in (cell["count"], breakdown["total"], cell["share_pct"])
        indicators.append(
            {
                "code": code,
                "value": None if suppressed else _number(cell["share_pct"]),
                "numerator": None if suppressed else _integer(cell["count"]),
                "denominator": None if suppressed else _integer(breakdown["total"]),
                "suppressed": suppressed,
            }
        )
    fairness = {(f["outcome"], f["dimension"]): f for f in report["fairness"]}
    for code, key in LIKELIHOOD_INDICATORS.items():
        item = fairness[key]
        indicators.append(
            {
                "code": code,
                "value": None if item["suppressed"] else _number(item["relative_likelihood"]),
                "numerator": None,
                "denominator": None,
                "suppressed": bool(item["suppressed"]),
            }
        )
    return indicators


def value_of(indicators: list[dict[str, Any]], code: str) -> float | None:
    for indicator in indicators:
        if indicator["code"] == code:
            value = indicator["value"]
            return float(value) if value is not None else None
    return None
