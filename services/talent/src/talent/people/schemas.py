from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)

from shared.http.problems import FieldError
from talent.people import domain
from talent.people.domain import Band, Disability, PersonStatus, Sex, StaffGroup

PERSON_ID_PATTERN = r"^[A-Za-z0-9-]{1,20}$"
ORG_CODE_PATTERN = r"^[A-Z0-9]{3,5}$"


def _identifier_text(value: Any) -> Any:
    # JSON extracts often carry person numbers as numbers.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


PersonId = Annotated[
    str,
    BeforeValidator(_identifier_text),
    Field(pattern=PERSON_ID_PATTERN, examples=["10234567"]),
]
OrgCode = Annotated[str, BeforeValidator(_upper), Field(pattern=ORG_CODE_PATTERN, examples=["RR8"])]
ExtractDate = Annotated[date, BeforeValidator(domain.parse_extract_date)]


class PersonRow(BaseModel):
    """One row of an ESR-shaped staff extract (an NDJSON line or a CSV record).

    Absent and blank values are the same thing. ``is_line_manager`` may be left out: it is then
    derived from the directory (does anyone active name this person as their line manager?).
    The protected characteristics go only to the restricted table.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    person_id: PersonId
    org_code: OrgCode
    # No control characters: PostgreSQL text cannot hold NUL, and none belong in a title.
    job_title: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    staff_group: Annotated[StaffGroup, BeforeValidator(domain.parse_staff_group)]
    band: Annotated[Band, BeforeValidator(domain.parse_band)]
    line_manager_id: PersonId | None = None
    is_line_manager: bool | None = None
    start_date: ExtractDate
    status: Annotated[PersonStatus, BeforeValidator(domain.parse_choice)]
    left_on: ExtractDate | None = None
    professional_registration: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9 /-]{0,39}$", examples=["NMC 12A3456E"]
    )
    ethnic_category: str | None = Field(
        default=None,
        pattern=domain.ETHNIC_CATEGORY_PATTERN,
        validation_alias=AliasChoices("ethnic_category", "ethnicity"),
        description="NHS Data Dictionary ethnic category code (A to S, Z, 99)",
    )
    disability: Annotated[Disability | None, BeforeValidator(domain.parse_choice)] = None
    sex: Annotated[Sex | None, BeforeValidator(domain.parse_sex)] = None

    @property
    def protected_characteristics(self) -> dict[str, str]:
        """Only the characteristics this row gives: an absent one leaves the recorded value."""
        given = {
            "ethnic_category": self.ethnic_category,
            "disability": self.disability,
            "sex": self.sex,
        }
        return {name: str(value) for name, value in given.items() if value is not None}


# Every field name a row may carry, aliases included: the CSV header is checked against it.
ROW_FIELDS: frozenset[str] = frozenset({*PersonRow.model_fields, "ethnicity"})
REQUIRED_ROW_FIELDS: frozenset[str] = frozenset(
    name for name, info in PersonRow.model_fields.items() if info.is_required()
)


class PersonRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    person_id: str = Field(examples=["10234567"])
    org_code: str = Field(examples=["RR8"])
    job_title: str
    staff_group: StaffGroup
    band: Band
    line_manager_id: str | None
    is_line_manager: bool
    start_date: date
    status: PersonStatus
    left_on: date | None
    professional_registration: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class RejectedRow(BaseModel):
    """A row that was not applied: where it is in the upload, and every reason."""

    line: int = Field(ge=1, description="1-based line of the upload where the row ends")
    person_id: str | None = Field(
        default=None, description="The row's person_id when it could be read"
    )
    errors: list[FieldError]


class ImportReport(BaseModel):
    rows: int = Field(description="Data rows read (blank lines are not rows)")
    created: int
    updated: int
    unchanged: int
    rejected: int
    events_published: int = Field(description="person.changed events written to the outbox")
    rejections: list[RejectedRow]
