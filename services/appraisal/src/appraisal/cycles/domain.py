"""Pure rules of appraisal cycles: windows, national deadlines and who belongs to the population.

Board deadlines follow NHS England's Board Member Appraisal Framework (April 2025, PRN01450):
chair appraisals of NHS trusts and ICBs reach NHS England by 30 June and NED appraisals by
30 September; foundation trusts' board appraisals (chairs and NEDs included) are held locally.
A board appraisal looks back over the financial year just ended, so the deadlines of cycle
2025 (2025/26) fall in 2026.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from appraisal.templates.domain import AppraisalKind
from shared.reference.organisations import OrgType


class MemberStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class CycleRefused(Exception):
    def __init__(self, rule: str, path: str, message: str) -> None:
        self.rule = rule
        self.path = path
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class CyclePlan:
    window_opens: date
    window_closes: date
    completion_deadline: date
    chair_submission_deadline: date | None
    ned_submission_deadline: date | None
    held_locally: bool


def financial_year_start(cycle_year: int) -> date:
    return date(cycle_year, 4, 1)


def plan_cycle(
    *,
    org_type: OrgType,
    cycle_year: int,
    kind: AppraisalKind,
    window_opens: date | None = None,
    window_closes: date | None = None,
    completion_deadline: date | None = None,
) -> CyclePlan:
    """The window and deadlines of a cycle; what the caller leaves out takes the default.

    Staff: the financial year, completion due when the window closes. Board: from the year end
    to the last national deadline, 1 April to 30 September of the following calendar year.
    """
    if org_type is OrgType.REGION:
        raise CycleRefused(
            "cycles.employing_organisation",
            "body.org_code",
            "cycles belong to trusts and integrated care boards, not to regions",
        )
    national = kind is AppraisalKind.BOARD and org_type in (OrgType.NHS_TRUST, OrgType.ICB)
    if kind is AppraisalKind.STAFF:
        default_opens = financial_year_start(cycle_year)
        default_closes = financial_year_start(cycle_year + 1) - timedelta(days=1)
    else:
        default_opens = financial_year_start(cycle_year + 1)
        default_closes = date(cycle_year + 1, 9, 30)
    opens = window_opens or default_opens
    closes = window_closes or default_closes
    if closes < opens:
        raise CycleRefused(
            "cycles.window_order", "body.window_closes", "the window closes before it opens"
        )
    if (closes - opens).days > 2 * 366:
        raise CycleRefused(
            "cycles.window_length", "body.window_closes", "a window cannot exceed two years"
        )
    deadline = completion_deadline or closes
    if deadline < opens:
        raise CycleRefused(
            "cycles.deadline_in_window",
            "body.completion_deadline",
            "the completion deadline falls before the window opens",
        )
    return CyclePlan(
        window_opens=opens,
        window_closes=closes,
        completion_deadline=deadline,
        chair_submission_deadline=date(cycle_year + 1, 6, 30) if national else None,
        ned_submission_deadline=date(cycle_year + 1, 9, 30) if national else None,
        held_locally=kind is AppraisalKind.BOARD and not national,
    )


class MembershipChange(StrEnum):
    JOIN = "join"
    LEAVE = "leave"
    NONE = "none"


def membership_change(
    *,
    person_active: bool,
    person_org: str,
    cycle_org: str,
    is_member: bool,
    member_active: bool,
    kind: AppraisalKind,
    on: date,
    window_closes: date,
) -> MembershipChange:
    """How a change to a person moves them in or out of one cycle's population.

    Closed cycles are history and never change. A staff cycle takes in every active person of
    its organisation (a joiner during the cycle joins it); board membership is not in the people
    directory, so a board cycle gains members only through their board appraisals. Anyone who
    leaves the organisation, or moves to another, leaves the cycle.
    """
    if on > window_closes:
        return MembershipChange.NONE
    belongs = person_active and person_org == cycle_org
    if belongs:
        if kind is AppraisalKind.STAFF and not (is_member and member_active):
            return MembershipChange.JOIN
        return MembershipChange.NONE
    if is_member and member_active:
        return MembershipChange.LEAVE
    return MembershipChange.NONE


def due_by(
    *,
    kind: AppraisalKind,
    board_role: str | None,
    completion_deadline: date,
    chair_submission_deadline: date | None,
    ned_submission_deadline: date | None,
) -> date:
    """When one appraisal of the cycle is due: a chair's or a NED's by NHS England's deadline
    where one applies (NHS trusts and ICBs), everyone else's by the organisation's own."""
    if kind is AppraisalKind.BOARD:
        if board_role == "chair" and chair_submission_deadline is not None:
            return chair_submission_deadline
        if board_role == "non_executive" and ned_submission_deadline is not None:
            return ned_submission_deadline
    return completion_deadline
