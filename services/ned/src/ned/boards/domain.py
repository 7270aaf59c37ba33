"""Pure rules about boards: which organisations have one, and which seats vote."""

from enum import StrEnum

from shared.reference.organisations import OrgType

# Regions are NHS England's own footprint, not statutory bodies with boards of their own here.
BOARD_ORG_TYPES = frozenset({OrgType.NHS_TRUST, OrgType.FOUNDATION_TRUST, OrgType.ICB})


class SeatRole(StrEnum):
    CHAIR = "chair"
    NON_EXECUTIVE = "non_executive"
    ASSOCIATE_NON_EXECUTIVE = "associate_non_executive"
    PARTNER_MEMBER = "partner_member"
    CHIEF_EXECUTIVE = "chief_executive"
    EXECUTIVE = "executive"


# Associate NEDs attend and advise but do not vote (code of governance for provider trusts).
NON_VOTING_ROLES = frozenset({SeatRole.ASSOCIATE_NON_EXECUTIVE})


def has_board(org_type: OrgType) -> bool:
    return org_type in BOARD_ORG_TYPES


def default_voting(role: SeatRole) -> bool:
    return role not in NON_VOTING_ROLES
