"""Pure rules of oversight segments, dated ICB membership, EDI goals and indicator periods."""

from datetime import date

from talent.edi import domain as edi
from talent.edi.domain import Direction, GoalStatus
from talent.indicators import domain as indicators
from talent.organisations import domain as oversight


def test_challenged_means_segment_four_or_five_by_default() -> None:
    assert [oversight.is_challenged(s) for s in (None, 1, 2, 3, 4, 5)] == [
        False,
        False,
        False,
        False,
        True,
        True,
    ]
    assert oversight.is_challenged(3, challenged_from=3)
    assert not oversight.is_challenged(4, challenged_from=5)


def test_dated_membership() -> None:
    periods = [
        ("QKK", oversight.DatedPeriod(date(2022, 7, 1), date(2026, 4, 1))),
        ("QMJ", oversight.DatedPeriod(date(2026, 4, 1), None)),
    ]
    assert oversight.membership_on(periods, date(2022, 6, 30)) is None
    assert oversight.membership_on(periods, date(2026, 3, 31)) == "QKK"
    assert oversight.membership_on(periods, date(2026, 4, 1)) == "QMJ"
    current = periods[1][1]
    assert oversight.close_for_change(current, date(2026, 4, 1)) is not None
    assert oversight.close_for_change(current, date(2026, 4, 2)) is None


def test_goal_status() -> None:
    today = date(2026, 11, 22)
    kwargs = {"target": 1.25, "direction": Direction.AT_MOST, "today": today, "withdrawn": False}
    assert edi.goal_status(value=1.1, deadline=date(2027, 3, 31), **kwargs) is GoalStatus.MET
    assert edi.goal_status(value=1.6, deadline=date(2027, 3, 31), **kwargs) is GoalStatus.ON_TRACK
    assert edi.goal_status(value=1.6, deadline=date(2026, 3, 31), **kwargs) is GoalStatus.MISSED
    # A suppressed indicator cannot show the goal was met.
    assert edi.goal_status(value=None, deadline=date(2026, 3, 31), **kwargs) is GoalStatus.MISSED
    withdrawn = {**kwargs, "withdrawn": True}
    assert (
        edi.goal_status(value=1.6, deadline=date(2026, 3, 31), **withdrawn) is GoalStatus.WITHDRAWN
    )
    assert edi.is_met(30.0, 30.0, Direction.AT_LEAST)


def test_progress_from_baseline_toward_target() -> None:
    assert edi.progress_pct(1.5, 2.0, 1.0) == 50.0
    assert edi.progress_pct(None, 2.0, 1.0) is None
    assert edi.progress_pct(1.5, None, 1.0) is None


def test_quarters() -> None:
    assert indicators.quarter_of(date(2026, 11, 22)) == "2026-Q4"
    assert indicators.previous_quarter(date(2026, 10, 1)) == "2026-Q3"
    assert indicators.previous_quarter(date(2027, 2, 1)) == "2026-Q4"


def test_indicators_from_a_report_keep_suppression() -> None:
    def rate(numerator: object, denominator: object, value: object) -> dict[str, object]:
        return {"numerator": numerator, "denominator": denominator, "rate_pct": value}

    workforce = {
        "ethnicity": {"total": 100, "groups": [{"group": "bme", "count": 30, "share_pct": 30.0}]},
        "disability": {
            "total": 100,
            "groups": [{"group": "disabled", "count": "*", "share_pct": "*"}],
        },
    }
    fairness = [
        {"outcome": o, "dimension": d, "relative_likelihood": 1.5, "suppressed": False}
        for o in indicators.OUTCOMES
        for d in indicators.DIMENSIONS
    ]
    fairness[0]["suppressed"] = True
    report = {
        "appraisal_completion": rate(80, 100, 80.0),
        "standards_compliance": rate("*", 20, "*"),
        "bench_strength": rate(0, 0, None),
        "workforce": workforce,
        "fairness": fairness,
    }
    published = {i["code"]: i for i in indicators.indicators_from_report(report)}
    assert set(published) == set(indicators.INDICATOR_CODES)
    assert published["appraisal_completion_pct"]["value"] == 80.0
    assert published["manager_standards_compliance_pct"] == {
        "code": "manager_standards_compliance_pct",
        "value": None,
        "numerator": None,
        "denominator": None,
        "suppressed": True,
    }
    assert published["bench_ready_now_pct"]["value"] is None
    assert not published["bench_ready_now_pct"]["suppressed"]
    assert published["workforce_disabled_pct"]["suppressed"]
    assert published["rl_non_mandatory_training_ethnicity"]["suppressed"]
    assert published["rl_placement_sex"]["value"] == 1.5
