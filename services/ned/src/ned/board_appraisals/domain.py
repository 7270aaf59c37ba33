"""Board appraisal compliance: who on a board is appraised for a year, and who is overdue.

Source: NHS England, Board Member Appraisal Framework and guidance (1 April 2025, PRN01450):
appraisals of ICB and NHS trust chairs are submitted to NHS England by 30 June, those of ICB and
NHS trust non-executive directors by 30 September; every other board appraisal, foundation trust
chairs and NEDs and all executives included, is held locally with no national deadline.

The year is the appraisal cycle of the appraisal service: cycle ``2026`` runs from 1 April 2026,
and an appraisal completed in it (the review of the year just ended) is what the 30 June and
30 September 2026 deadlines ask for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from shared.reference.organisations import OrgType


class ComplianceStatus(StrEnum):
    APPRAISED = "appraised"  # completed on or before any national deadline
    APPRAISED_LATE = "appraised_late"  # completed, but after the national deadline
    DUE = "due"  # not yet completed, deadline still ahead
    OVERDUE = "overdue"  # not completed, national deadline passed
    LOCAL = "local"  # not recorded here, and held locally: no national deadline applies


CHAIR_ROLES = frozenset({"chair"})
NED_ROLES = frozenset({"non_executive", "associate_non_executive"})
NATIONAL_DEADLINE_ORG_TYPES = frozenset({OrgType.NHS_TRUST, OrgType.ICB})


def national_deadline(org_type: OrgType, seat_role: str, cycle_year: int) -> date | None:
    """The date NHS England expects the appraisal by, or ``None`` when it is held locally."""
    if org_type not in NATIONAL_DEADLINE_ORG_TYPES:
        return None
    if seat_role in CHAIR_ROLES:
        return date(cycle_year, 6, 30)
    if seat_role in NED_ROLES:
        return date(cycle_year, 9, 30)
    return None


@dataclass(frozen=True, slots=True)
class MemberCompliance:
    status: ComplianceStatus
    deadline: date | None


def member_compliance(
    *,
    org_type: OrgType,
    seat_role: str,
    cycle_year: int,
    completed_at: datetime | None,
    today: date,
) -> MemberCompliance:
    deadline = national_deadline(org_type, seat_role, cycle_year)
    if completed_at is not None:
        late = deadline is not None and completed_at.date() > deadline
        return MemberCompliance(
            ComplianceStatus.APPRAISED_LATE if late else ComplianceStatus.APPRAISED, deadline
        )
    if deadline is None:
        return MemberCompliance(ComplianceStatus.LOCAL, None)
    if today > deadline:
        return MemberCompliance(ComplianceStatus.OVERDUE, deadline)
    return MemberCompliance(ComplianceStatus.DUE, deadline)
