"""The oversight report's shape. A count is a number or "*" (suppressed); a share or a rate
is a number, "*" (suppressed) or null (undefined: nobody in the denominator)."""

from typing import Literal

from pydantic import BaseModel, Field

Count = int | Literal["*"]
Share = float | Literal["*"] | None


class AreaRead(BaseModel):
    scope: str
    code: str
    name: str
    organisations: int


class DisclosureRead(BaseModel):
    suppress_below_or_equal: int
    rounding_base: int


class GroupCount(BaseModel):
    group: str
    count: Count
    share_pct: Share


class BreakdownRead(BaseModel):
    total: Count
    groups: list[GroupCount]


class RateRead(BaseModel):
    numerator: Count
    denominator: Count
    rate_pct: Share


class PipelineRow(BaseModel):
    dimension: str
    group: str
    pool_members: Count
    pool_share_pct: Share
    workforce_share_pct: Share


class FairnessGroup(BaseModel):
    group: str
    outcome_count: Count
    population: Count


class FairnessRow(BaseModel):
    outcome: str
    dimension: str
    reference_group: str
    comparison_group: str
    relative_likelihood: float | None
    suppressed: bool
    groups: list[FairnessGroup]


class BoardRow(BaseModel):
    org_code: str
    as_of: str
    dimension: str
    group: str | None
    board_voting_share_pct: Share
    workforce_share_pct: Share
    difference_pp: float | None


class MissedGoal(BaseModel):
    goal_id: str
    org_code: str
    indicator_code: str
    target: float
    deadline: str
    current_value: float | None


class OversightReport(BaseModel):
    area: AreaRead
    cycle_year: int
    figures_as_of: str = Field(
        description="When the staff figures were counted: the last refresh of the summary, "
        "or now when counted live"
    )
    disclosure: DisclosureRead
    workforce: dict[str, BreakdownRead]
    appraisal_completion: RateRead
    standards_compliance: RateRead
    bench_strength: RateRead
    pipeline_diversity: list[PipelineRow]
    fairness: list[FairnessRow]
    board_composition: list[BoardRow]
    missed_edi_goals: list[MissedGoal]


class SummaryRefresh(BaseModel):
    cells: int = Field(description="Grouped cells written (organisation x characteristics)")
    figures_as_of: str | None
