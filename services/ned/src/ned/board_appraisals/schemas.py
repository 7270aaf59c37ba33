import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from ned.board_appraisals.domain import ComplianceStatus
from shared.reference.organisations import OrgType


class MemberAppraisalRead(BaseModel):
    person_id: str
    seat_id: uuid.UUID
    seat_role: str
    status: ComplianceStatus
    deadline: date | None = Field(description="National submission deadline; null when local")
    appraisal_id: str | None
    completed_at: datetime | None


class BoardAppraisalComplianceRead(BaseModel):
    org_code: str
    org_type: OrgType
    cycle_year: int = Field(description="Appraisal cycle: 2026 runs from 1 April 2026")
    as_of: date
    national_deadlines_apply: bool = Field(
        description="False for foundation trusts: their board appraisals are held locally"
    )
    members: list[MemberAppraisalRead]
    counts: dict[ComplianceStatus, int]
