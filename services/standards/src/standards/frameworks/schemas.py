from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from standards.frameworks.domain import VersionStatus
from standards.frameworks.models import Framework, FrameworkVersion
from standards.identifiers import Name
from standards.programmes.domain import Level, ordered_levels


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _no_control_characters(value: str) -> str:
    if any((ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value


FRAMEWORK_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{1,39}$"
VERSION_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z.-]{0,19}$"

FrameworkCode = Annotated[
    str,
    StringConstraints(pattern=FRAMEWORK_CODE_PATTERN),
    BeforeValidator(_upper),
    Field(examples=["LCF-BOARD"]),
]
VersionLabel = Annotated[str, Field(pattern=VERSION_PATTERN, examples=["2024"])]
DomainCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{0,39}$"),
    BeforeValidator(_upper),
    Field(examples=["D3"]),
]
StandardCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{1,59}$"),
    BeforeValidator(_upper),
    Field(examples=["LCF-2024-D3"]),
]
RatingCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$", examples=["almost_always"])]
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4000),
    AfterValidator(_no_control_characters),
]
Url = Annotated[
    str, Field(pattern=r"^https://[^\s]{1,490}$", examples=["https://www.england.nhs.uk/"])
]


class FrameworkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: FrameworkCode
    title: Name
    owner: Name | None = Field(default=None, examples=["NHS England"])
    source_url: Url | None = None


class StandardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: StandardCode
    title: Name
    statement: Text
    example_behaviours: list[Text] = Field(default_factory=list, max_length=50)
    levels: list[Level] = Field(min_length=1, max_length=6)
    provisional: bool = False
    refresher_months: int | None = Field(
        default=None, ge=1, le=240, description="Months until it must be evidenced again"
    )
    predecessor_code: StandardCode | None = Field(
        default=None,
        description="The standard of the predecessor version this one replaces; evidence "
        "against it carries forward",
    )


class DomainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: DomainCode
    title: Name
    description: Text | None = None
    standards: list[StandardIn] = Field(max_length=200)


class RatingItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: RatingCode
    label: Name
    proficient: bool = Field(description="Whether a rating at this point shows the standard met")
    provisional: bool = False


class VersionContent(BaseModel):
    """The whole tree of a draft version; an edit replaces it as a whole."""

    model_config = ConfigDict(extra="forbid")

    title: Name
    provisional: bool = False
    source_url: Url | None = None
    predecessor_version: VersionLabel | None = Field(
        default=None, description="The published version this one succeeds"
    )
    domains: list[DomainIn] = Field(max_length=50)
    rating_scale: list[RatingItemIn] = Field(max_length=20)


class VersionCreate(VersionContent):
    version: VersionLabel


class StandardRead(BaseModel):
    code: str
    title: str
    statement: str
    example_behaviours: list[str]
    levels: list[Level]
    provisional: bool
    refresher_months: int | None
    predecessor_code: str | None


class DomainRead(BaseModel):
    code: str
    title: str
    description: str | None
    standards: list[StandardRead]


class RatingItemRead(BaseModel):
    code: str
    label: str
    proficient: bool
    provisional: bool = Field(description="The point is not confirmed against the national text")


class VersionRead(BaseModel):
    """A framework version with its whole tree."""

    framework_code: str
    version: str
    status: VersionStatus
    title: str
    provisional: bool
    source_url: str | None
    predecessor_version: str | None
    previous_version: str | None
    published_at: datetime | None
    retired_at: datetime | None
    revision: int
    domains: list[DomainRead]
    rating_scale: list[RatingItemRead]

    @classmethod
    def of(cls, version: FrameworkVersion) -> "VersionRead":
        return cls(
            framework_code=version.framework.code,
            version=version.version,
            status=VersionStatus(version.status),
            title=version.title,
            provisional=version.provisional,
            source_url=version.source_url,
            predecessor_version=version.predecessor_version,
            previous_version=version.previous_version,
            published_at=version.published_at,
            retired_at=version.retired_at,
            revision=version.revision,
            domains=[
                DomainRead(
                    code=domain.code,
                    title=domain.title,
                    description=domain.description,
                    standards=[
                        StandardRead(
                            code=s.code,
                            title=s.title,
                            statement=s.statement,
                            example_behaviours=list(s.example_behaviours),
                            levels=ordered_levels(s.levels),
                            provisional=s.provisional,
                            refresher_months=s.refresher_months,
                            predecessor_code=s.predecessor_code,
                        )
                        for s in domain.standards
                    ],
                )
                for domain in version.domains
            ],
            rating_scale=[
                RatingItemRead(
                    code=item.code,
                    label=item.label,
                    proficient=item.proficient,
                    provisional=item.provisional,
                )
                for item in version.rating_items
            ],
        )


class VersionSummary(BaseModel):
    version: str
    status: VersionStatus
    provisional: bool
    published_at: datetime | None


class FrameworkRead(BaseModel):
    code: str
    title: str
    owner: str | None
    source_url: str | None
    versions: list[VersionSummary]

    @classmethod
    def of(cls, framework: Framework) -> "FrameworkRead":
        return cls(
            code=framework.code,
            title=framework.title,
            owner=framework.owner,
            source_url=framework.source_url,
            versions=[
                VersionSummary(
                    version=v.version,
                    status=VersionStatus(v.status),
                    provisional=v.provisional,
                    published_at=v.published_at,
                )
                for v in framework.versions
            ],
        )
