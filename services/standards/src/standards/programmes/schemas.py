from pydantic import BaseModel, ConfigDict, Field

from standards.programmes.domain import Category, Level, Mode
from standards.programmes.models import Programme


class StandardRef(BaseModel):
    code: str = Field(examples=["LCF-2024-D3"])
    provisional: bool = Field(
        description="A working code of this platform; the national standard is not published yet"
    )


class ProgrammeRead(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str = Field(examples=["NLA-MARY-SEACOLE"])
    title: str
    category: Category
    audience: str | None
    delivery: str | None
    duration_months: int | None
    award: str | None
    validity_months: int | None = Field(
        description="Months a credential for this programme stays current; null: no expiry"
    )
    levels: list[Level]
    standards: list[StandardRef]
    mode: Mode | None = Field(default=None, description="How it is delivered; null: not published")
    components: list[str] = Field(
        default_factory=list, description="Programmes that are part of this one"
    )
    part_of: list[str] = Field(default_factory=list, description="Programmes this one is part of")
    provisional: bool = Field(description="Not (yet) a confirmed national programme")
    source_url: str | None
    version: int

    @classmethod
    def of(cls, programme: Programme) -> "ProgrammeRead":
        return cls(
            code=programme.code,
            title=programme.title,
            category=Category(programme.category),
            audience=programme.audience,
            delivery=programme.delivery,
            duration_months=programme.duration_months,
            award=programme.award,
            validity_months=programme.validity_months,
            levels=[Level(level) for level in programme.levels],
            standards=[
                StandardRef(code=item.standard_code, provisional=item.provisional)
                for item in programme.standards
            ],
            mode=Mode(programme.mode) if programme.mode is not None else None,
            components=[item.component_code for item in programme.components],
            part_of=[item.programme_code for item in programme.part_of],
            provisional=programme.provisional,
            source_url=programme.source_url,
            version=programme.version,
        )


class BundleProgrammeRead(BaseModel):
    code: str
    title: str
    category: Category
    standards: list[str]


class BundleRead(BaseModel):
    """Programmes that together meet a level, checked against the level's standards."""

    code: str = Field(examples=["BUNDLE-FIRST-LINE"])
    title: str
    level: Level
    provisional: bool = Field(description="The platform's own composition, not a national one")
    programmes: list[BundleProgrammeRead]
    level_standards: list[str] = Field(
        description="Standards of the published level frameworks (MLS, LCF-BOARD) for the level"
    )
    uncovered_standards: list[str] = Field(
        description="Level standards none of the programmes covers; empty: the bundle meets it"
    )
    version: int
