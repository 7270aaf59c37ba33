"""Bodies of the appraisal reports.

Every figure about people is disclosure-controlled by ``shared.disclosure`` (NHS Digital's
secondary-care rule): a count of 1 to 7 is the marker "*", any other count is rounded to the
nearest 5, rates come from the rounded counts, and a lone suppressed figure in a group gets a
second one suppressed beside it so it cannot be worked out by subtraction.
"""

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


class CompletionRow(BaseModel):
    cycle_year: int
    code: str
    name: str
    level: GroupLevel
    parent_code: str | None = Field(description="The ICB or region the row belongs to")
    due: ControlledFigure = Field(description="People due an appraisal in the cycle")
    completed: ControlledFigure
    completion_rate: ControlledRate = Field(description="Percent, from the controlled counts")


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
    threshold: float = Field(description="Flagged when the p-value is below it")
    degrees_of_freedom: int | None
    p_value_band: Literal["<0.001", "<0.01", ">=0.01"] | None = Field(
        description="The p-value as a band: exact values, worked out on the true counts, could "
        "help recover a suppressed count"
    )
    flagged: bool = Field(description="The distribution differs significantly from the region's")
    tested: bool
    reason: str


class OrganisationDistribution(BaseModel):
    cycle_year: int
    outcome: OutcomeKind
    org_code: str
    name: str
    region_code: str
    organisation: Distribution
    region: Distribution = Field(description="The whole region, this organisation included")
    test: VariationTest
