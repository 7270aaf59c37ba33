"""Pure rules of boards, tenure, forecasts and campaigns."""

from datetime import date

import pytest

from ned.appointments import domain
from ned.appointments.domain import Term
from ned.boards import domain as boards
from ned.boards.domain import AppointingBody, CommitteeRole, SeatRole
from ned.candidates import domain as pool
from ned.candidates.domain import LcfRating, Programme, ProgrammeStatus
from ned.vacancies import domain as campaigns
from ned.vacancies.domain import ApplicationStage, CampaignStage
from shared.http.auth import Principal
from shared.reference.organisations import OrgType

NED, CHAIR = SeatRole.NON_EXECUTIVE, SeatRole.CHAIR


def three_years(role: SeatRole, first_year: int) -> Term:
    return Term(role, date(first_year, 4, 1), date(first_year + 3, 3, 31))


# ---- tenure --------------------------------------------------------------------------------


def test_three_exact_three_year_terms_reach_nine_years_without_passing_it() -> None:
    # 2012-2021 holds three leap days: the most generous year length must still let it pass.
    terms = [three_years(NED, 2012), three_years(NED, 2015)]
    assessment = domain.assess_tenure(terms, three_years(NED, 2018), extension_to=None)
    assert assessment.served_days == (date(2021, 3, 31) - date(2012, 4, 1)).days + 1
    assert assessment.review_required
    assert not assessment.over_limit
    assert not assessment.blocked


def test_six_years_need_no_review_and_a_day_more_does() -> None:
    six = domain.assess_tenure([three_years(NED, 2018)], three_years(NED, 2021), extension_to=None)
    assert not six.review_required
    longer = domain.assess_tenure(
        [three_years(NED, 2018)],
        Term(NED, date(2021, 4, 1), date(2024, 4, 30)),
        extension_to=None,
    )
    assert longer.review_required


def test_beyond_nine_years_is_blocked_until_an_extension_covers_the_term() -> None:
    previous = [
        Term(NED, date(2014, 4, 1), date(2018, 3, 31)),
        Term(NED, date(2018, 4, 1), date(2022, 3, 31)),
    ]
    proposed = three_years(NED, 2022)  # to 2025: eleven years in all
    blocked = domain.assess_tenure(previous, proposed, extension_to=None)
    assert blocked.over_limit and blocked.blocked
    short = domain.assess_tenure(previous, proposed, extension_to=date(2024, 3, 31))
    assert short.blocked  # an extension that ends before the term does not cover it
    covered = domain.assess_tenure(previous, proposed, extension_to=date(2025, 3, 31))
    assert covered.over_limit and not covered.blocked


def test_gaps_are_not_counted_and_overlaps_count_once() -> None:
    terms = [
        Term(NED, date(2010, 1, 1), date(2010, 12, 31)),
        Term(NED, date(2010, 6, 1), date(2011, 5, 31)),  # overlaps the first
        Term(NED, date(2015, 1, 1), date(2015, 1, 10)),  # after a gap
    ]
    assert domain.served_days(terms) == 516 + 10


def test_a_ned_who_becomes_chair_starts_the_review_clock_again_but_not_the_limit() -> None:
    ned_term = three_years(NED, 2016)
    first_chair = three_years(CHAIR, 2019)
    second_chair = three_years(CHAIR, 2022)
    assessment = domain.assess_tenure([ned_term, first_chair], second_chair, extension_to=None)
    assert assessment.ned_to_chair
    assert assessment.review_clock_days <= domain.years_in_days(6) < assessment.served_days
    assert not assessment.review_required
    # A third chair term: the review is due, and nine years on the board are passed.
    third = domain.assess_tenure(
        [ned_term, first_chair, second_chair], three_years(CHAIR, 2025), extension_to=None
    )
    assert third.review_required and third.blocked


def test_a_chair_from_outside_the_board_has_one_clock() -> None:
    assessment = domain.assess_tenure(
        [three_years(CHAIR, 2016), three_years(CHAIR, 2019)],
        three_years(CHAIR, 2022),
        extension_to=None,
    )
    assert not assessment.ned_to_chair
    assert assessment.review_clock_days == assessment.served_days


def test_term_numbers_count_terms_in_the_same_role() -> None:
    previous = [three_years(NED, 2016), three_years(NED, 2019)]
    assert domain.term_number(previous, NED) == 3
    assert domain.term_number(previous, CHAIR) == 1


def test_a_term_must_end_after_it_starts_and_last_four_years_at_most() -> None:
    with pytest.raises(domain.TermRuleError):
        domain.check_term(date(2026, 1, 1), date(2026, 1, 1))
    with pytest.raises(domain.TermRuleError):
        domain.check_term(date(2026, 1, 1), date(2030, 1, 2))
    domain.check_term(date(2026, 1, 1), date(2030, 1, 1))


# ---- forecast ------------------------------------------------------------------------------


def test_forecast_counts_cumulatively_and_reports_overdue_terms() -> None:
    as_of = date(2026, 11, 22)
    ends = [
        date(2026, 11, 21),  # overdue
        date(2026, 11, 22),  # today: within 6 months
        date(2027, 5, 22),  # exactly 6 months
        date(2027, 5, 23),  # just past 6 months
        date(2027, 11, 22),  # 12 months
        date(2028, 5, 22),  # 18 months
        date(2028, 5, 23),  # beyond
    ]
    counts = domain.forecast(ends, as_of)
    assert counts == domain.ForecastCounts(
        overdue=1, within_6_months=2, within_12_months=4, within_18_months=5
    )


def test_add_months_clamps_to_the_month_end() -> None:
    assert domain.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert domain.add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


# ---- who appoints --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("org_type", "role", "body"),
    [
        (OrgType.NHS_TRUST, CHAIR, AppointingBody.NHS_ENGLAND),
        (OrgType.NHS_TRUST, NED, AppointingBody.NHS_ENGLAND),
        (OrgType.FOUNDATION_TRUST, CHAIR, AppointingBody.COUNCIL_OF_GOVERNORS),
        (OrgType.FOUNDATION_TRUST, NED, AppointingBody.COUNCIL_OF_GOVERNORS),
        (OrgType.ICB, CHAIR, AppointingBody.NHS_ENGLAND),
        # Provisional: ICB non-executive and partner members appointed by the ICB itself.
        (OrgType.ICB, NED, AppointingBody.ICB),
        (OrgType.ICB, SeatRole.ASSOCIATE_NON_EXECUTIVE, AppointingBody.ICB),
        (OrgType.ICB, SeatRole.PARTNER_MEMBER, AppointingBody.ICB),
        (OrgType.ICB, SeatRole.EXECUTIVE, None),
        (OrgType.NHS_TRUST, SeatRole.EXECUTIVE, None),
        (OrgType.FOUNDATION_TRUST, SeatRole.EXECUTIVE, None),
    ],
)
def test_the_appointing_body_follows_the_organisation_type(
    org_type: OrgType, role: SeatRole, body: AppointingBody | None
) -> None:
    assert boards.appointing_body(org_type, role) is body


def test_only_an_unbound_appoint_token_speaks_for_nhs_england() -> None:
    national = Principal("nhse", frozenset({"ned:appoint", "national"}))
    regional = Principal("nhse-ney", frozenset({"ned:appoint"}), region="Y63")
    trust = Principal("rr8", frozenset({"ned:appoint"}), org="RR8")
    assert boards.acts_for(national, AppointingBody.NHS_ENGLAND, "RR8")
    assert boards.acts_for(regional, AppointingBody.NHS_ENGLAND, "RR8")  # Leeds is in Y63
    assert not boards.acts_for(regional, AppointingBody.NHS_ENGLAND, "RJ1")  # London
    assert not boards.acts_for(trust, AppointingBody.NHS_ENGLAND, "RR8")


def test_only_a_govern_token_bound_to_the_trust_speaks_for_its_governors() -> None:
    governors = Principal("gov", frozenset({"ned:govern"}), org="RJ1")
    national = Principal("all", frozenset({"ned:govern", "ned:appoint", "national"}))
    assert boards.acts_for(governors, AppointingBody.COUNCIL_OF_GOVERNORS, "RJ1")
    assert not boards.acts_for(governors, AppointingBody.COUNCIL_OF_GOVERNORS, "RTH")
    assert not boards.acts_for(national, AppointingBody.COUNCIL_OF_GOVERNORS, "RJ1")


def test_only_a_govern_token_bound_to_the_icb_speaks_for_the_icb() -> None:
    icb_chair = Principal("icb-chair", frozenset({"ned:govern"}), org="QWO")
    national = Principal("all", frozenset({"ned:govern", "ned:appoint", "national"}))
    regional = Principal("nhse-ney", frozenset({"ned:appoint", "ned:govern"}), region="Y63")
    icb_without_govern = Principal("icb-staff", frozenset({"ned:write"}), org="QWO")
    assert boards.acts_for(icb_chair, AppointingBody.ICB, "QWO")
    assert boards.acts_for(icb_chair, AppointingBody.ICB, "qwo ")
    assert not boards.acts_for(icb_chair, AppointingBody.ICB, "QOQ")  # another ICB
    assert not boards.acts_for(national, AppointingBody.ICB, "QWO")
    assert not boards.acts_for(regional, AppointingBody.ICB, "QWO")
    assert not boards.acts_for(icb_without_govern, AppointingBody.ICB, "QWO")
    # The ICB's own token never speaks for NHS England, which appoints the ICB's chair.
    assert not boards.acts_for(icb_chair, AppointingBody.NHS_ENGLAND, "QWO")


def test_seat_rules() -> None:
    with pytest.raises(boards.SeatRuleError):
        boards.check_seat(
            OrgType.NHS_TRUST, SeatRole.PARTNER_MEMBER, True, frozenset(), chair_seats_elsewhere=0
        )
    with pytest.raises(boards.SeatRuleError):
        boards.check_seat(OrgType.ICB, CHAIR, True, frozenset(), chair_seats_elsewhere=1)
    with pytest.raises(boards.SeatRuleError):
        boards.check_seat(
            OrgType.NHS_TRUST,
            SeatRole.ASSOCIATE_NON_EXECUTIVE,
            True,
            frozenset(),
            chair_seats_elsewhere=0,
        )
    with pytest.raises(boards.SeatRuleError):
        boards.check_seat(
            OrgType.NHS_TRUST,
            SeatRole.EXECUTIVE,
            True,
            frozenset({CommitteeRole.AUDIT_COMMITTEE_CHAIR}),
            chair_seats_elsewhere=0,
        )
    boards.check_seat(
        OrgType.ICB,
        SeatRole.PARTNER_MEMBER,
        True,
        frozenset({CommitteeRole.QUALITY_COMMITTEE_CHAIR}),
        chair_seats_elsewhere=1,
    )


# ---- campaigns -----------------------------------------------------------------------------


def test_the_campaign_runs_in_order() -> None:
    campaigns.check_campaign_move(CampaignStage.OPEN, CampaignStage.CLOSED)
    with pytest.raises(campaigns.CampaignRuleError):
        campaigns.check_campaign_move(CampaignStage.OPEN, CampaignStage.INTERVIEW)
    with pytest.raises(campaigns.CampaignRuleError):
        campaigns.check_campaign_move(CampaignStage.FILLED, CampaignStage.WITHDRAWN)


def test_each_application_step_needs_the_previous_one_and_its_campaign_stage() -> None:
    campaigns.check_application_step(
        ApplicationStage.APPLIED, ApplicationStage.LONGLISTED, CampaignStage.SIFT
    )
    with pytest.raises(campaigns.CampaignRuleError):  # not while applications are open
        campaigns.check_application_step(
            ApplicationStage.APPLIED, ApplicationStage.LONGLISTED, CampaignStage.OPEN
        )
    with pytest.raises(campaigns.CampaignRuleError):  # skips the longlist
        campaigns.check_application_step(
            ApplicationStage.APPLIED, ApplicationStage.SHORTLISTED, CampaignStage.SIFT
        )
    with pytest.raises(campaigns.CampaignRuleError):
        campaigns.check_application_step(
            ApplicationStage.APPOINTED, ApplicationStage.REJECTED, CampaignStage.DECISION
        )
    campaigns.check_application_step(
        ApplicationStage.RECOMMENDED, ApplicationStage.APPOINTED, CampaignStage.DECISION
    )


def test_a_role_description_must_cover_all_six_lcf_domains() -> None:
    assert campaigns.check_role_description("...", list(campaigns.LCF_DOMAINS)) == []
    assert campaigns.check_role_description("...", ["LCF-2024-D1"]) == [
        f"the role description must cover LCF-2024-D{n}" for n in range(2, 7)
    ]


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("A", "white"),
        ("D", "mixed"),
        ("H", "asian"),
        ("N", "black"),
        ("S", "other"),
        ("Z", "not_stated"),
        ("99", "not_stated"),
        (None, "not_stated"),
    ],
)
def test_ethnic_categories_fall_into_their_broad_groups(code: str | None, group: str) -> None:
    assert campaigns.ethnic_group(code).value == group


# ---- the candidate pool ------------------------------------------------------------------------


def test_an_lcf_self_assessment_rates_each_of_the_six_domains_once() -> None:
    complete = dict.fromkeys(campaigns.LCF_DOMAINS, LcfRating.OFTEN)
    assert pool.self_assessment_problems(complete) == []
    partial = {"LCF-2024-D1": LcfRating.RARELY, "LCF-2023-D1": LcfRating.OFTEN}
    problems = pool.self_assessment_problems(partial)
    assert "no rating for LCF-2024-D6" in problems
    assert "LCF-2023-D1 is not an LCF domain" in problems
    assert len(problems) == 6


def test_one_live_membership_of_each_programme() -> None:
    assert (
        pool.programme_problems(
            [
                (Programme.NEXT_DIRECTOR, ProgrammeStatus.WITHDRAWN),
                (Programme.NEXT_DIRECTOR, ProgrammeStatus.ACTIVE),
                (Programme.ASPIRING_CHAIR, ProgrammeStatus.NOMINATED),
            ]
        )
        == []
    )
    assert pool.programme_problems(
        [
            (Programme.ASPIRING_CHAIR, ProgrammeStatus.COMPLETED),
            (Programme.ASPIRING_CHAIR, ProgrammeStatus.ACTIVE),
        ]
    ) == ["more than one live aspiring_chair membership"]
