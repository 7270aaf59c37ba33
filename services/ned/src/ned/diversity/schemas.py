import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from ned.diversity.domain import GROUPS, Dimension
from ned.diversity.events import CompositionGroup
from ned.fppt.schemas import IsoDate

Count = int | Literal["*"]
Share = float | Literal["*"] | None

COUNT_DOC = "Rounded to the nearest 5; '*' when suppressed (1 to 7, or to protect another cell)"


class BaselineSource(StrEnum):
    WORKFORCE = "workforce"
    POPULATION = "population"


class BaselineOrigin(StrEnum):
    ORGANISATION = "organisation"
    NATIONAL_REFERENCE = "national_reference"
    NONE = "none"


class BaselineUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: IsoDate
    counts: dict[Dimension, dict[str, StrictInt]] = Field(
        description="Headcount per group for each dimension given",
        examples=[{"ethnicity": {"white": 5200, "bme": 2100, "unknown": 300}}],
    )

    @model_validator(mode="after")
    def _known_groups(self) -> Self:
        if not self.counts:
            raise ValueError("give the counts of at least one dimension")
        for dimension, groups in self.counts.items():
            unknown = sorted(set(groups) - set(GROUPS[dimension]))
            if unknown:
                raise ValueError(
                    f"{dimension}: unknown groups {unknown}; use {list(GROUPS[dimension])}"
                )
            if any(n < 0 or n > 10_000_000 for n in groups.values()):
                raise ValueError(f"{dimension}: counts are between 0 and 10,000,000")
        return self


class BaselineRead(BaseModel):
    org_code: str
    source: BaselineSource
    as_of: date | None
    counts: dict[Dimension, dict[str, int]]
    is_set: bool
    version: int


class GroupComposition(BaseModel):
    group: str
    voting_members: Count = Field(description=COUNT_DOC)
    voting_share_pct: Share
    executive_members: Count = Field(description=COUNT_DOC)
    executive_share_pct: Share
    workforce_share_pct: Share
    population_share_pct: Share
    voting_vs_workforce_pp: Share = Field(
        description="Board voting share minus workforce share, percentage points (WRES 9, WDES 10)"
    )
    voting_vs_population_pp: Share


class DimensionComposition(BaseModel):
    dimension: Dimension
    measure: str
    groups: list[GroupComposition]


class BoardCompositionRead(BaseModel):
    org_code: str
    as_of: date
    voting_total: Count
    executive_total: Count
    workforce_baseline: BaselineOrigin
    population_baseline: BaselineOrigin
    dimensions: list[DimensionComposition]


class GroupPipeline(BaseModel):
    group: str
    applied: Count = Field(description=COUNT_DOC)
    shortlisted: Count
    appointed: Count
    shortlisting_rate_pct: Share
    appointment_rate_pct: Share = Field(description="Appointed per 100 applicants")
    appointed_from_shortlist_pct: Share


class LikelihoodRead(BaseModel):
    reference_group: str
    focus_group: str
    shortlisted_from_application: Share
    appointed_from_shortlisting: Share
    appointed_from_application: Share


class DimensionPipeline(BaseModel):
    dimension: Dimension
    groups: list[GroupPipeline]
    relative_likelihood: LikelihoodRead


class PipelineRead(BaseModel):
    org_code: str
    vacancies: int = Field(description="Vacancies of the organisation the figures cover")
    applied_total: Count
    shortlisted_total: Count
    appointed_total: Count
    dimensions: list[DimensionPipeline]


class PublicationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_code: str
    as_of: date
    trigger: str
    published_at: datetime
    groups: list[CompositionGroup]
    voting_total: int | None
    executive_total: int | None


class GroupPool(BaseModel):
    group: str
    candidates: Count = Field(description=COUNT_DOC)
    share_pct: Share


class DimensionPool(BaseModel):
    dimension: Dimension
    groups: list[GroupPool]


class PoolRead(BaseModel):
    holder_code: str = Field(description="The organisation or NHS England region holding the pool")
    candidates: Count
    dimensions: list[DimensionPool]
