from pydantic import BaseModel, ConfigDict, Field

from standards.programmes.domain import Category, Level
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
            provisional=programme.provisional,
            source_url=programme.source_url,
            version=programme.version,
        )
