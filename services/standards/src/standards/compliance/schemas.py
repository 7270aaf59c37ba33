import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from standards.compliance.domain import ItemStatus

Count = int | Literal["*"]


class RequirementRead(BaseModel):
    programme_code: str
    category: str
    due_on: date
    status: ItemStatus
    completed_at: datetime | None = Field(description="The latest completion that counts")
    expires_on: date | None = Field(description="When that completion stops counting")
    rule_codes: list[str] = Field(description="The assignment rules that require it")


class PersonComplianceRead(BaseModel):
    """A person's requirements and where they stand today."""

    person_id: str
    org_code: str
    as_of: date
    applicable: bool = Field(description="False once the person has left")
    statutory_mandatory_complete: bool
    overdue_programme_codes: list[str]
    expired_programme_codes: list[str]
    expiring_programme_codes: list[str] = Field(description="Expiring within 90 days")
    determination_id: uuid.UUID | None = Field(
        description="The last published determination (`compliance.changed`); null before one"
    )
    requirements: list[RequirementRead]


class ProgrammeCompliance(BaseModel):
    """People of the organisation required to complete one programme, by status.

    Counts are after disclosure control: 1 to 7 are shown as "*", the rest rounded to the
    nearest 5, and a second cell is hidden when one alone would be recoverable from the total.
    """

    programme_code: str
    title: str
    category: str
    assigned: Count
    complete: Count = Field(description="Current and not expiring within 90 days")
    expiring_within_90_days: Count
    not_yet_due: Count
    overdue: Count
    expired: Count
    completion_rate_percent: float | Literal["*"] | None = Field(
        description="(complete + expiring) / assigned, from the controlled counts"
    )


class DisclosureRule(BaseModel):
    suppress_below_or_equal: int
    rounding_base: int


class OrganisationCompliance(BaseModel):
    org_code: str
    disclosure: DisclosureRule
    programmes: list[ProgrammeCompliance]
