"""Bodies of the appraisal reports. Every figure about people is disclosure-controlled:
a count is a rounded number or the marker "*" when suppressed."""

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

ControlledFigure = int | Literal["*"]
ControlledRate = float | Literal["*"] | None


class GroupLevel(StrEnum):
    ORGANISATION = "organisation"
    ICB = "icb"
    REGION = "region"


class OutcomeKind(StrEnum):
    PERFORMANCE = "performance"
    BEHAVIOUR = "behaviour"


class Disclosure(BaseModel):
    rule: str = Field(examples=["counts of 1 to 7 suppressed (*), others rounded to the nearest 5"])
    secondary_suppression: str


class CompletionRow(BaseModel):
    code: str
    name: str
    level: GroupLevel
    parent_code: str | None = Field(description="The ICB or region the row belongs to")
    due: ControlledFigure = Field(description="People due an appraisal in the cycle")
    completed: ControlledFigure
    completion_rate: ControlledRate = Field(description="Percent, from the controlled counts")


class CompletionReport(BaseModel):
    cycle_year: int
    level: GroupLevel
    disclosure: Disclosure
    rows: list[CompletionRow]


class OverdueAppraisal(BaseModel):
    person_id: str
    org_code: str
    job_title: str | None
    last_completed_on: date | None
    overdue_since: date | None = Field(
        description="When the 12 months since the last completed appraisal ran out; null "
        "when none was ever completed"
    )


class Distribution(BaseModel):
    total: ControlledFigure
    counts: dict[str, ControlledFigure]
    percentages: dict[str, ControlledRate]


class VariationTest(BaseModel):
    method: str
    degrees_of_freedom: int | None
    p_value_band: Literal["<0.001", "<0.01", ">=0.01"] | None = Field(
        description="The p-value as a band: exact values, worked out on the true counts, could "
        "help recover a suppressed count"
    )
    flagged: bool = Field(description="The distribution differs significantly from the region's")
    tested: bool
    reason: str


class OrganisationDistribution(BaseModel):
    org_code: str
    name: str
    region_code: str
    organisation: Distribution
    region: Distribution
    test: VariationTest


class OutcomeDistributionReport(BaseModel):
    cycle_year: int
    outcome: OutcomeKind
    outcomes: list[str]
    significance_threshold: float
    disclosure: Disclosure
    organisations: list[OrganisationDistribution]
