"""Request and response bodies of pay progression and HR flags."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from appraisal.pay.domain import Assessment, CriterionCode, CriterionStatus, FlagKind
from appraisal.pay.models import HrFlag

OrgCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9]{3,5}$"),
    Field(description="ODS code of the employing organisation", examples=["RR8"]),
]
# Dates a pay step could fall on: nothing before Agenda for Change existed.
EarliestDate = date(2004, 12, 1)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    for value in (starts_on, ends_on):
        if value is not None and not (EarliestDate <= value <= date(2100, 12, 31)):
            raise ValueError("dates must fall between 2004-12-01 and 2100-12-31")
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise ValueError("ends_on must not be before starts_on")


class HrFlagCreate(_Input):
    kind: FlagKind
    starts_on: date
    ends_on: date | None = Field(default=None, description="The last day it applies; open if null")
    org_code: OrgCode | None = Field(
        default=None, description="Optional when the person is known from the people directory"
    )

    @model_validator(mode="after")
    def _dates(self) -> Self:
        _check_dates(self.starts_on, self.ends_on)
        return self


class HrFlagPatch(_Input):
    """Change the dates: typically set ``ends_on`` when the process closes or a sanction lapses."""

    starts_on: date | None = None
    ends_on: date | None = None

    @model_validator(mode="after")
    def _meaningful(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        if "starts_on" in self.model_fields_set and self.starts_on is None:
            raise ValueError("starts_on cannot be null")
        _check_dates(self.starts_on, self.ends_on)
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class HrFlagRead(BaseModel):
    id: uuid.UUID
    person_id: str
    org_code: str
    kind: FlagKind
    starts_on: date
    ends_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, flag: HrFlag) -> Self:
        return cls(
            id=flag.id,
            person_id=flag.person_id,
            org_code=flag.org_code,
            kind=FlagKind(flag.kind),
            starts_on=flag.starts_on,
            ends_on=flag.ends_on,
            version=flag.version,
            created_at=flag.created_at,
            updated_at=flag.updated_at,
        )


class CriterionRead(BaseModel):
    code: CriterionCode
    status: CriterionStatus
    explanation: str
    evidence: dict[str, Any]


class PayProgressionRead(BaseModel):
    person_id: str
    org_code: str
    on: date
    eligible: bool
    basis: str = Field(examples=["Agenda for Change handbook, annex 23"])
    criteria: list[CriterionRead]

    @classmethod
    def from_assessment(cls, person_id: str, org_code: str, assessment: Assessment) -> Self:
        return cls(
            person_id=person_id,
            org_code=org_code,
            on=assessment.on,
            eligible=assessment.eligible,
            basis="Agenda for Change handbook, annex 23 (pay progression)",
            criteria=[
                CriterionRead(
                    code=criterion.code,
                    status=criterion.status,
                    explanation=criterion.explanation,
                    evidence=criterion.evidence,
                )
                for criterion in assessment.criteria
            ],
        )
