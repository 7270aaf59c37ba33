from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from appraisal.appraisals.domain import FIRST_CYCLE_YEAR
from appraisal.pay import domain as pay_domain
from appraisal.reports import service as reports_service
from appraisal.reports.schemas import (
    CompletionRow,
    GroupLevel,
    OrganisationDistribution,
    OutcomeKind,
    OverdueAppraisal,
)
from shared.app import SessionDep
from shared.http.auth import Principal, require_scopes
from shared.http.pagination import Page, PageQuery, make_page

router = APIRouter(prefix="/v1/reports", tags=["reports"])

ReportReader = Annotated[Principal, Depends(require_scopes("appraisal:read"))]
CycleYearQuery = Annotated[
    int, Query(ge=FIRST_CYCLE_YEAR, le=2100, description="2026 means 2026/27")
]


@router.get("/appraisal-completion", response_model=Page[CompletionRow])
async def appraisal_completion(
    principal: ReportReader,
    session: SessionDep,
    page: PageQuery,
    cycle_year: CycleYearQuery,
    level: GroupLevel = GroupLevel.ORGANISATION,
) -> Page[CompletionRow]:
    """Appraisals completed against people due, per organisation, ICB or region, by code.

    Rows for the organisations the token reaches, or for the ICBs and regions they sit in.
    Every figure is disclosure-controlled: "*" is a suppressed count of 1 to 7, other counts
    are rounded to the nearest 5, with secondary suppression within each ICB and region.
    """
    rows = await reports_service.completion(
        session=session, principal=principal, cycle_year=cycle_year, level=level, page=page
    )
    return make_page(rows, page, key_fn=lambda row: (row.code, row.code))


@router.get("/overdue-appraisals", response_model=Page[OverdueAppraisal])
async def overdue_appraisals(
    principal: ReportReader,
    session: SessionDep,
    page: PageQuery,
    manager_id: Annotated[str, Query(pattern=r"^[A-Za-z0-9-]{1,20}$")],
    on: Annotated[date | None, Query(ge=date(2004, 12, 1), le=date(2100, 12, 31))] = None,
) -> Page[OverdueAppraisal]:
    """A line manager's reports with no appraisal completed in the 12 months to ``on``.

    A working list for the manager, person by person (not an aggregate), within the token's
    reach.
    """
    when = on or datetime.now(UTC).date()
    rows = await reports_service.overdue_for_manager(
        session=session, principal=principal, manager_id=manager_id, on=when, page=page
    )
    return make_page(
        rows,
        page,
        key_fn=lambda row: (row[0].person_id, row[0].person_id),
        item=lambda row: OverdueAppraisal(
            person_id=row[0].person_id,
            org_code=row[0].org_code,
            job_title=row[0].job_title,
            last_completed_on=row[1],
            overdue_since=None if row[1] is None else pay_domain.appraisal_lapses_on(row[1]),
        ),
    )


@router.get("/outcome-distribution", response_model=Page[OrganisationDistribution])
async def outcome_distribution(
    principal: ReportReader,
    session: SessionDep,
    page: PageQuery,
    cycle_year: CycleYearQuery,
    outcome: OutcomeKind = OutcomeKind.PERFORMANCE,
) -> Page[OrganisationDistribution]:
    """Each organisation's distribution of outcomes beside its region's, by ODS code.

    An organisation is flagged when its distribution differs from the rest of its region by
    Pearson's chi-squared test of homogeneity at p < 0.01 (see the method in the decision
    record); figures are disclosure-controlled as in the completion report.
    """
    rows = await reports_service.outcome_distribution(
        session=session, principal=principal, cycle_year=cycle_year, outcome=outcome, page=page
    )
    return make_page(rows, page, key_fn=lambda row: (row.org_code, row.org_code))
