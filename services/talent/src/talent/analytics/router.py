import csv
import io
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from shared.app import SessionDep
from shared.http.auth import Principal, require_scopes
from shared.http.problems import Forbidden
from talent.analytics import service as analytics_service
from talent.analytics.schemas import OversightReport, SummaryRefresh
from talent.analytics.service import Scope
from talent.edi import service as edi_service

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])

Analyst = Annotated[Principal, Depends(require_scopes("talent:analytics"))]
Admin = Annotated[Principal, Depends(require_scopes("talent:admin", "talent:analytics"))]
CodePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["Y56"])]

_CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
        },
        "description": "The report as JSON, or as CSV with `Accept: text/csv`",
    }
}


def wants_csv(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def csv_response(rows: list[list[Any]], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return Response(
        buffer.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/oversight/{scope}/{code}",
    response_model=OversightReport,
    responses=_CSV,
    summary="Oversight report of an organisation, ICB or region",
)
async def get_oversight_report(
    scope: Scope,
    code: CodePath,
    request: Request,
    principal: Analyst,
    session: SessionDep,
    cycle_year: Annotated[
        int | None, Query(ge=2020, le=2100, description="2026 means 2026/27")
    ] = None,
) -> Any:
    """Appraisal completion, standards compliance of managers, succession bench strength,
    pipeline diversity against the workforce, fairness indicators as WRES-style relative
    likelihoods by ethnicity (WRES groups), disability and sex, and board composition against
    the workforce (WRES 9, WDES 10). Every figure is disclosure-controlled: counts of 1 to 7
    are "*", the rest rounded to 5, rates from the rounded figures. A region's report lists
    the EDI goals its organisations missed."""
    area, report = await analytics_service.oversight_report(
        session=session, principal=principal, scope=scope, code=code, cycle_year=cycle_year
    )
    if scope is Scope.REGION:
        report["missed_edi_goals"] = await edi_service.missed_goals_in(
            session=session, org_codes=area.org_codes
        )
    else:
        report["missed_edi_goals"] = []
    if wants_csv(request):
        return csv_response(
            analytics_service.csv_rows(report), f"oversight-{scope}-{area.code}.csv"
        )
    return report


@router.post(
    ":refresh",
    response_model=SummaryRefresh,
    summary="Recount the staff figures every report reads",
)
async def refresh_analytics_summary(principal: Admin, session: SessionDep) -> SummaryRefresh:
    """Recount every organisation's grouped staff figures for the current appraisal cycle in
    one statement; reports read them from then on (``figures_as_of``). The worker's schedule
    (``python -m talent.analytics.refresh``) does the same; a national token may force it."""
    if not principal.is_national:
        raise Forbidden("The summary covers every organisation: refresh it with a national token")
    async with session.begin():
        cells = await analytics_service.refresh_summary(session)
        as_of = await analytics_service.summary_as_of(
            session, analytics_service.appraisal_cycle_of(datetime.now(UTC).date())
        )
    return SummaryRefresh(cells=cells, figures_as_of=as_of.isoformat() if as_of else None)
