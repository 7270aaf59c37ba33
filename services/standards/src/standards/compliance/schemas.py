import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from standards.compliance.domain import Audience, ItemStatus

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


class AssignmentRuleRead(BaseModel):
    """Who must complete a programme, and within how many days."""

    code: str
    title: str
    audience: Audience
    programme_code: str
    due_days: int = Field(description="Days after joining (or after effective_from, if later)")
    staff_groups: list[str] | None = Field(description="Only these staff groups; null: all")
    joined_on_or_after: date | None = Field(description="New joiners: who started on or after")
    effective_from: date | None = Field(
        description="People in post before this day are due from it, not from joining"
    )
    active: bool
    version: int


StaffGroup = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class AssignmentRulePatch(BaseModel):
    """The configurable parts of a rule; what is left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    due_days: int | None = Field(default=None, ge=0, le=3650)
    active: bool | None = None
    staff_groups: list[StaffGroup] | None = Field(default=None, max_length=50)
    joined_on_or_after: date | None = None
    effective_from: date | None = None
