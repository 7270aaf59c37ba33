"""Pure rules about boards: which organisations have one, which seats they have, which vote,
and which body appoints to a seat."""

from enum import StrEnum

from shared.http.auth import Principal
from shared.reference.organisations import OrgType

# Regions are NHS England's own footprint, not statutory bodies with boards of their own here.
BOARD_ORG_TYPES = frozenset({OrgType.NHS_TRUST, OrgType.FOUNDATION_TRUST, OrgType.ICB})


class SeatRole(StrEnum):
    """The kinds of board seat. A chief executive or finance director is an ``executive`` seat
    whose title says which; executives are kept for a complete board, not for appointment here.
    """

    CHAIR = "chair"
    NON_EXECUTIVE = "non_executive"
    ASSOCIATE_NON_EXECUTIVE = "associate_non_executive"
    PARTNER_MEMBER = "partner_member"
    EXECUTIVE = "executive"


class CommitteeRole(StrEnum):
    """Roles a board member holds besides the seat itself (code of governance for provider
    trusts: a senior independent director, a deputy or vice chair, committee chairs, and the
    board-level champions national guidance asks boards to name)."""

    SENIOR_INDEPENDENT_DIRECTOR = "senior_independent_director"
    DEPUTY_CHAIR = "deputy_chair"
    VICE_CHAIR = "vice_chair"
    AUDIT_COMMITTEE_CHAIR = "audit_committee_chair"
    REMUNERATION_COMMITTEE_CHAIR = "remuneration_committee_chair"
    QUALITY_COMMITTEE_CHAIR = "quality_committee_chair"
    FINANCE_COMMITTEE_CHAIR = "finance_committee_chair"
    PEOPLE_COMMITTEE_CHAIR = "people_committee_chair"
    NOMINATIONS_COMMITTEE_CHAIR = "nominations_committee_chair"
    FREEDOM_TO_SPEAK_UP_NED = "freedom_to_speak_up_ned"
    MATERNITY_SAFETY_CHAMPION = "maternity_safety_champion"


class AppointingBody(StrEnum):
    NHS_ENGLAND = "nhs_england"
    COUNCIL_OF_GOVERNORS = "council_of_governors"
    # The ICB itself, through its chair acting for the board under the ICB's constitution
    # (provisional: see `appointing_body`).
    ICB = "icb"


# Associate NEDs attend and advise but do not vote (code of governance for provider trusts).
NON_VOTING_ROLES = frozenset({SeatRole.ASSOCIATE_NON_EXECUTIVE})
NON_EXECUTIVE_ROLES = frozenset(
    {SeatRole.CHAIR, SeatRole.NON_EXECUTIVE, SeatRole.ASSOCIATE_NON_EXECUTIVE}
)
# The ICB seats its own board fills (provisional rule, see `appointing_body`).
ICB_APPOINTED_ROLES = frozenset(
    {SeatRole.NON_EXECUTIVE, SeatRole.ASSOCIATE_NON_EXECUTIVE, SeatRole.PARTNER_MEMBER}
)
# Committee roles only a non-executive may hold: the independent voice of the board. An audit
# committee of executives would be marking its own homework.
NON_EXECUTIVE_ONLY_COMMITTEE_ROLES = frozenset(
    {
        CommitteeRole.SENIOR_INDEPENDENT_DIRECTOR,
        CommitteeRole.DEPUTY_CHAIR,
        CommitteeRole.VICE_CHAIR,
        CommitteeRole.AUDIT_COMMITTEE_CHAIR,
        CommitteeRole.REMUNERATION_COMMITTEE_CHAIR,
        CommitteeRole.FREEDOM_TO_SPEAK_UP_NED,
    }
)
# Roles a board has once at most; a second senior independent director is a data error.
UNIQUE_COMMITTEE_ROLES = frozenset(
    {
        CommitteeRole.SENIOR_INDEPENDENT_DIRECTOR,
        CommitteeRole.DEPUTY_CHAIR,
        CommitteeRole.VICE_CHAIR,
        CommitteeRole.AUDIT_COMMITTEE_CHAIR,
        CommitteeRole.REMUNERATION_COMMITTEE_CHAIR,
    }
)


class SeatRuleError(ValueError):
    """A seat that the rules of its board do not allow; the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def has_board(org_type: OrgType) -> bool:
    return org_type in BOARD_ORG_TYPES


def default_voting(role: SeatRole) -> bool:
    return role not in NON_VOTING_ROLES


def check_seat(
    org_type: OrgType,
    role: SeatRole,
    voting: bool,
    committee_roles: frozenset[CommitteeRole],
    *,
    chair_seats_elsewhere: int,
) -> None:
    """Raise `SeatRuleError` unless the seat fits a board of ``org_type``.

    Partner members sit on ICB boards only (the Health and Care Act 2022 creates them for ICBs);
    a board has one chair; an associate NED cannot be made a voting member (that is what makes
    them associate); independent committee roles need a non-executive.
    """
    if role is SeatRole.PARTNER_MEMBER and org_type is not OrgType.ICB:
        raise SeatRuleError("body.role", "partner members sit on ICB boards only")
    if role is SeatRole.CHAIR and chair_seats_elsewhere > 0:
        raise SeatRuleError("body.role", "this board already has a chair seat")
    if role in NON_VOTING_ROLES and voting:
        raise SeatRuleError("body.voting", f"a {role.value} seat does not vote")
    if role not in NON_EXECUTIVE_ROLES:
        independent = sorted(r.value for r in committee_roles & NON_EXECUTIVE_ONLY_COMMITTEE_ROLES)
        if independent:
            raise SeatRuleError(
                "body.committee_roles",
                f"{', '.join(independent)} must be held by a non-executive, not a {role.value}",
            )


def appointing_body(org_type: OrgType, role: SeatRole) -> AppointingBody | None:
    """Who appoints to a seat, or ``None`` when this service does not run that appointment.

    NHS England appoints the chairs and NEDs of NHS trusts (public appointments under powers
    delegated by the Secretary of State) and the chairs of ICBs; a foundation trust's council of
    governors appoints its own chair and NEDs (code of governance section 5; Monitor's guide to
    governors' statutory duties). Executives are appointed by the organisation as its employer,
    outside this service.

    ICB non-executive members (associate ones included) and partner members are taken to be
    appointed by the ICB, its chair acting for the board under the ICB's constitution. This is
    provisional: our sources mark who appoints ICB NEDs as unconfirmed ("Who appoints ICB NEDs
    (the ICB chair, under its constitution) is [UNCONFIRMED]", reference DOMAIN §5), so it is
    one explicit rule here, easy to change when a source settles it.
    """
    if org_type is OrgType.FOUNDATION_TRUST and role in NON_EXECUTIVE_ROLES:
        return AppointingBody.COUNCIL_OF_GOVERNORS
    if org_type is OrgType.NHS_TRUST and role in NON_EXECUTIVE_ROLES:
        return AppointingBody.NHS_ENGLAND
    if org_type is OrgType.ICB and role is SeatRole.CHAIR:
        return AppointingBody.NHS_ENGLAND
    if org_type is OrgType.ICB and role in ICB_APPOINTED_ROLES:
        return AppointingBody.ICB
    return None


APPOINT_SCOPE = "ned:appoint"
GOVERN_SCOPE = "ned:govern"


def acts_for(principal: Principal, body: AppointingBody, org_code: str) -> bool:
    """Does this token speak for ``body`` about organisation ``org_code``?

    NHS England acts through national or regional tokens holding ``ned:appoint``: a token bound
    to one organisation is that organisation's, never NHS England's. A council of governors acts
    through a token holding ``ned:govern`` bound by its ``org`` claim to its own foundation
    trust; ``ned:govern`` on a national token speaks for no council at all. An ICB acts the
    same way: ``ned:govern`` bound to that ICB is its chair deciding for its board. Which of the
    two a ``ned:govern`` token is follows from the organisation it is bound to, since the body
    itself follows from the organisation's type.
    """
    code = org_code.strip().upper()
    if body is AppointingBody.NHS_ENGLAND:
        return (
            principal.has_scope(APPOINT_SCOPE)
            and principal.org is None
            and principal.can_see_org(code)
        )
    return principal.has_scope(GOVERN_SCOPE) and principal.org == code
