"""Readiness policy, bench strength and gaps: the pure rules of succession."""

from datetime import UTC, datetime, timedelta

import pytest

from talent.succession import domain
from talent.succession.domain import (
    POLICY_2026_1,
    AppraisalFact,
    EligibilityFact,
    Evidence,
    FitAndProperFact,
    PlanRisk,
    PolicyError,
    Readiness,
)

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
POLICY = domain.parse_policy(POLICY_2026_1)


def appraisal(**overrides: object) -> AppraisalFact:
    values: dict[str, object] = {
        "appraisal_id": "a1",
        "completed_at": NOW - timedelta(days=30),
        "reopened": False,
        "performance_outcome": "meets",
        "behaviour_outcome": "exceeds",
        "target_level": "senior",
        "direction": "stretch",
    }
    values.update(overrides)
    return AppraisalFact(**values)  # type: ignore[arg-type]


def eligible(level: str = "senior", *, yes: bool = True, revoked: tuple[str, ...] = ()) -> dict:
    return {
        level: EligibilityFact(
            eligible=yes,
            determination_id="d1",
            unmet_requirement_ids=() if yes else ("senior.standards",),
            policy_version="2026.1",
            as_of=NOW - timedelta(days=1),
            evidence_credential_ids=("c1",),
            revoked_credential_ids=revoked,
        )
    }


def judge(evidence: Evidence, *, level: str = "senior", board_post: bool = False) -> Readiness:
    return domain.evaluate(
        POLICY, level=level, board_post=board_post, evidence=evidence, now=NOW
    ).readiness


def test_all_evidence_makes_ready_now() -> None:
    result = domain.evaluate(
        POLICY,
        level="senior",
        board_post=False,
        evidence=Evidence(eligibility_by_level=eligible(), appraisal=appraisal()),
        now=NOW,
    )
    assert result.readiness is Readiness.READY_NOW
    assert result.unmet == []
    fit = result.results[-1]
    assert fit.rule is domain.Rule.FIT_AND_PROPER and fit.applies is False


def test_bands_fall_as_evidence_goes() -> None:
    assert judge(Evidence(appraisal=appraisal())) is Readiness.READY_1_2_YEARS
    assert (
        judge(Evidence(appraisal=appraisal(performance_outcome="partially_meets")))
        is Readiness.READY_3_PLUS_YEARS
    )
    assert judge(Evidence(eligibility_by_level=eligible())) is Readiness.NOT_READY
    assert judge(Evidence()) is Readiness.NOT_READY


def test_a_reopened_or_old_appraisal_is_no_evidence() -> None:
    reopened = Evidence(eligibility_by_level=eligible(), appraisal=appraisal(reopened=True))
    assert judge(reopened) is Readiness.NOT_READY
    old = Evidence(
        eligibility_by_level=eligible(),
        appraisal=appraisal(completed_at=NOW - timedelta(days=457)),
    )
    # Outcomes and aspiration still stand; recency does not.
    assert judge(old) is Readiness.READY_3_PLUS_YEARS


def test_eligibility_is_per_level_and_falls_with_a_revoked_credential() -> None:
    other_level = Evidence(eligibility_by_level=eligible("middle"), appraisal=appraisal())
    assert judge(other_level) is Readiness.READY_1_2_YEARS
    revoked = Evidence(eligibility_by_level=eligible(revoked=("c1",)), appraisal=appraisal())
    result = domain.evaluate(POLICY, level="senior", board_post=False, evidence=revoked, now=NOW)
    assert result.readiness is Readiness.READY_1_2_YEARS
    assert result.results[0].evidence["revoked_credential_ids"] == ["c1"]
    assert judge(Evidence(eligibility_by_level=eligible(yes=False), appraisal=appraisal())) is (
        Readiness.READY_1_2_YEARS
    )


def test_aspiring_higher_counts_lower_does_not() -> None:
    higher = Evidence(eligibility_by_level=eligible(), appraisal=appraisal(target_level="board"))
    assert judge(higher) is Readiness.READY_NOW
    lower = Evidence(eligibility_by_level=eligible(), appraisal=appraisal(target_level="middle"))
    assert judge(lower) is Readiness.NOT_READY
    unknown = Evidence(eligibility_by_level=eligible(), appraisal=appraisal(target_level="x"))
    assert judge(unknown) is Readiness.NOT_READY


def test_board_posts_need_a_current_pass() -> None:
    base = {"eligibility_by_level": eligible("board"), "appraisal": appraisal(target_level="board")}
    assert judge(Evidence(**base), level="board", board_post=True) is Readiness.READY_1_2_YEARS
    passed = FitAndProperFact("f1", "pass", NOW - timedelta(days=10))
    assert (
        judge(Evidence(**base, fit_and_proper=passed), level="board", board_post=True)
        is Readiness.READY_NOW
    )
    failed = FitAndProperFact("f2", "fail", NOW - timedelta(days=10))
    assert (
        judge(Evidence(**base, fit_and_proper=failed), level="board", board_post=True)
        is Readiness.READY_1_2_YEARS
    )
    stale = FitAndProperFact("f3", "pass", NOW - timedelta(days=401))
    assert (
        judge(Evidence(**base, fit_and_proper=stale), level="board", board_post=True)
        is Readiness.READY_1_2_YEARS
    )


def test_overrides_last_until_they_expire() -> None:
    later, earlier = NOW + timedelta(days=1), NOW - timedelta(seconds=1)
    assert (
        domain.effective_readiness(
            computed=Readiness.NOT_READY,
            override=Readiness.READY_NOW,
            override_expires_at=later,
            now=NOW,
        )
        is Readiness.READY_NOW
    )
    assert (
        domain.effective_readiness(
            computed=Readiness.NOT_READY,
            override=Readiness.READY_NOW,
            override_expires_at=earlier,
            now=NOW,
        )
        is Readiness.NOT_READY
    )


def test_bench_strength_and_risks() -> None:
    empty = domain.bench_strength({}, emergency_cover_ready_now=0)
    assert empty.total == 0
    assert empty.risks == (PlanRisk.NO_SUCCESSOR, PlanRisk.NO_EMERGENCY_COVER)
    single = domain.bench_strength(
        {"ready_1_2_years": 1, "not_ready": 3}, emergency_cover_ready_now=0
    )
    assert single.counts() == {
        "ready_now": 0,
        "ready_1_2_years": 1,
        "ready_3_plus_years": 0,
        "not_ready": 3,
        "total": 4,
    }
    assert single.risks == (PlanRisk.SINGLE_SUCCESSOR, PlanRisk.NO_EMERGENCY_COVER)
    strong = domain.bench_strength({"ready_now": 2}, emergency_cover_ready_now=1)
    assert strong.risks == ()


def test_gaps_list_every_unmet_requirement_with_what_closes_it() -> None:
    found = domain.gaps(
        unmet_requirement_ids=["senior.standards", "senior.edi"],
        detail={"senior.standards": {"standards": ["MLF-2025-SENIOR"], "programmes": ["NLA-X"]}},
    )
    assert [(g.requirement_id, g.standards, g.programmes) for g in found] == [
        ("senior.standards", ("MLF-2025-SENIOR",), ("NLA-X",)),
        ("senior.edi", (), ()),
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"bands": [{"readiness": "not_ready", "requires": []}]},
        {"bands": [{"readiness": "ready_now", "requires": ["no_such_rule"]}]},
        {
            "bands": [
                {"readiness": "ready_1_2_years", "requires": []},
                {"readiness": "ready_now", "requires": []},
            ]
        },
        {"appraisal_max_age_days": "soon"},
    ],
)
def test_a_malformed_policy_is_refused(change: dict) -> None:
    with pytest.raises(PolicyError):
        domain.parse_policy({**POLICY_2026_1, **change})
