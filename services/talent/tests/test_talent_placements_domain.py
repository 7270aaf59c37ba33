"""Pure rules of placements: the package, matching with explanations, the state machine."""

from talent.placements import domain
from talent.placements.domain import Candidate, PlacementAction, PlacementStatus, RoleSite

SITE = RoleSite(org_code="RXX", icb_code="QAA", region_code="Y56", level="executive")


def candidate(**overrides: object) -> Candidate:
    values: dict[str, object] = {
        "person_id": "1",
        "org_code": "RYY",
        "org_icb": "QBB",
        "org_region": "Y56",
        "readiness": "ready_now",
        "target_level": "executive",
        "direction": "stretch",
        "mobility": "region",
        "challenged_interest": True,
    }
    values.update(overrides)
    return Candidate(**values)  # type: ignore[arg-type]


def test_a_perfect_fit_scores_one_and_explains_every_factor() -> None:
    result = domain.match(candidate(), SITE)
    assert result.fits
    assert result.score == 1.0
    assert [f.factor for f in result.factors] == ["readiness", "aspiration", "mobility", "interest"]
    assert [f.reason_code for f in result.factors] == [
        "ready_now",
        "target_level_matches",
        "within_mobility",
        "interested",
    ]


def test_stated_no_and_missing_readiness_rule_a_person_out() -> None:
    assert domain.match(candidate(challenged_interest=False), SITE).excluded_because == [
        "not_interested"
    ]
    assert domain.match(candidate(mobility="current_organisation"), SITE).excluded_because == [
        "beyond_mobility"
    ]
    assert domain.match(candidate(mobility="integrated_care_system", org_icb="QAA"), SITE).fits
    assert not domain.match(candidate(readiness=None), SITE).fits


def test_ranking_puts_fits_first_then_score() -> None:
    people = [
        candidate(person_id="3", challenged_interest=False),
        candidate(person_id="2", readiness="ready_1_2_years"),
        candidate(person_id="1"),
        candidate(person_id="4", target_level="senior", challenged_interest=None),
    ]
    ranked = domain.rank(people, SITE)
    assert [m.person_id for m in ranked] == ["1", "2", "4", "3"]
    assert ranked[1].score < ranked[0].score
    assert not ranked[-1].fits


def test_state_machine() -> None:
    assert domain.next_status(PlacementStatus.OFFERED, PlacementAction.ACCEPT) == "accepted"
    assert domain.next_status(PlacementStatus.ACCEPTED, PlacementAction.START) == "active"
    assert domain.next_status(PlacementStatus.ACTIVE, PlacementAction.COMPLETE) == "completed"
    assert domain.next_status(PlacementStatus.OFFERED, PlacementAction.COMPLETE) is None
    assert domain.next_status(PlacementStatus.DECLINED, PlacementAction.ACCEPT) is None


def test_package_rules() -> None:
    ok = domain.package_problems(
        pay_minimum=150_000,
        pay_maximum=165_000,
        approval_reference=None,
        improvement_plan_peer_review=True,
        peer_reviewer_org_code="RYY",
        org_code="RXX",
    )
    assert ok == []
    problems = domain.package_problems(
        pay_minimum=190_000,
        pay_maximum=180_000,
        approval_reference=None,
        improvement_plan_peer_review=True,
        peer_reviewer_org_code="RXX",
        org_code="RXX",
    )
    assert [field for field, _ in problems] == [
        "pay_maximum",
        "pay_approval_reference",
        "peer_reviewer_org_code",
    ]


def test_best_readiness() -> None:
    assert domain.best_readiness(["not_ready", "ready_1_2_years"]) == "ready_1_2_years"
    assert domain.best_readiness([]) is None
