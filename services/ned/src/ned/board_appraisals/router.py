from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from ned.board_appraisals import domain
from ned.board_appraisals import service as board_appraisal_service
from ned.board_appraisals.schemas import BoardAppraisalComplianceRead, MemberAppraisalRead
from ned.boards import domain as board_domain
from ned.fppt.schemas import IsoDate
from shared.app import SessionDep
from shared.http.auth import Principal, require_scopes
from shared.http.problems import NotFound
from shared.reference.organisations import get_organisation

router = APIRouter(prefix="/v1/boards", tags=["board appraisals"])

OrgCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])]
NedReader = Annotated[Principal, Depends(require_scopes("ned:read"))]


AsOf = Annotated[
    IsoDate | None,
    Query(description="Judge deadlines on this day (YYYY-MM-DD); default today"),
]


def current_cycle_year(today: date) -> int:
    # Appraisal cycles follow the financial year, from 1 April.
    return today.year if today.month >= 4 else today.year - 1


@router.get("/{org_code}/appraisal-compliance", response_model=BoardAppraisalComplianceRead)
async def get_board_appraisal_compliance(
    org_code: OrgCode,
    principal: NedReader,
    session: SessionDep,
    cycle_year: Annotated[int | None, Query(ge=2000, le=2200)] = None,
    as_of: AsOf = None,
) -> BoardAppraisalComplianceRead:
    """Each current board member's appraisal for the cycle: appraised, appraised late, due,
    overdue against 30 June (chairs) or 30 September (NEDs) for NHS trusts and ICBs, or held
    locally (foundation trusts, executives)."""
    organisation = get_organisation(org_code)
    if organisation is None or not board_domain.has_board(organisation.org_type):
        raise NotFound(f"No board is known for organisation {org_code.upper()}")
    principal.require_org(organisation.ods_code)
    today = as_of or datetime.now(UTC).date()
    year = cycle_year if cycle_year is not None else current_cycle_year(today)
    rows = await board_appraisal_service.board_compliance(
        session=session, organisation=organisation, cycle_year=year, today=today
    )
    counts = {status: 0 for status in domain.ComplianceStatus}
    for row in rows:
        counts[row.compliance.status] += 1
    return BoardAppraisalComplianceRead(
        org_code=organisation.ods_code,
        org_type=organisation.org_type,
        cycle_year=year,
        as_of=today,
        national_deadlines_apply=organisation.org_type in domain.NATIONAL_DEADLINE_ORG_TYPES,
        members=[
            MemberAppraisalRead(
                person_id=row.person_id,
                seat_id=row.seat_id,
                seat_role=row.seat_role,
                status=row.compliance.status,
                deadline=row.compliance.deadline,
                appraisal_id=row.appraisal.appraisal_id if row.appraisal else None,
                completed_at=row.appraisal.completed_at if row.appraisal else None,
            )
            for row in rows
        ],
        counts=counts,
    )
