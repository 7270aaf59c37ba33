"""The HTTP shapes of templates and local questions."""

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field

from appraisal.templates import domain
from appraisal.templates.domain import AppraisalKind, LocalAnswerType, SectionCode
from appraisal.templates.models import LocalQuestion


class SectionRead(BaseModel):
    code: SectionCode
    title: str
    purpose: str
    mandatory: bool
    mandatory_for: str | None = Field(
        description="Who must complete the section when not every appraisee must"
    )
    scale: list[str] = Field(description="The rating scale of the section, best first")
    items: list[str] = Field(description="What is rated: NHS values or LCF domains")
    private: bool = Field(description="Content never stored or shared; only that it was held")


class VariantRead(BaseModel):
    kind: AppraisalKind
    behaviour_framework: str
    sections: list[SectionRead]


class TemplateRead(BaseModel):
    version: str = Field(examples=[domain.DEFAULT_TEMPLATE_VERSION])
    title: str
    effective_from: str
    variants: list[VariantRead]

    @classmethod
    def from_template(cls, template: domain.Template) -> Self:
        return cls(
            version=template.version,
            title=template.title,
            effective_from=template.effective_from,
            variants=[
                VariantRead(
                    kind=variant.kind,
                    behaviour_framework=variant.behaviour_framework,
                    sections=[
                        SectionRead(
                            code=section.code,
                            title=section.title,
                            purpose=section.purpose,
                            mandatory=section.mandatory,
                            mandatory_for=section.mandatory_for,
                            scale=list(section.scale),
                            items=list(section.items),
                            private=section.private,
                        )
                        for section in variant.sections
                    ],
                )
                for variant in template.variants.values()
            ],
        )


class TemplateList(BaseModel):
    items: list[TemplateRead]


QuestionText = Annotated[str, Field(min_length=3, max_length=300, pattern=r"^[^\x00-\x1f\x7f]*$")]


class LocalQuestionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    template_version: str = Field(
        default=domain.DEFAULT_TEMPLATE_VERSION,
        pattern=r"^[0-9]{4}\.[0-9]{1,3}$",
        examples=[domain.DEFAULT_TEMPLATE_VERSION],
    )
    code: str = Field(
        pattern=domain.LOCAL_QUESTION_CODE.pattern,
        description="Lower-case code, unique in the organisation; never a national code",
        examples=["trust_values_reflection"],
    )
    text: QuestionText
    answer_type: LocalAnswerType = LocalAnswerType.TEXT
    required: bool = Field(
        default=False,
        strict=True,
        description="When true an appraisal cannot be signed off until the question is answered",
    )


class LocalQuestionPatch(BaseModel):
    """Only whether the question is required can change; its code and text never do."""

    model_config = ConfigDict(extra="forbid")

    required: bool = Field(strict=True, description="true: completion needs an answer")


class LocalQuestionRead(BaseModel):
    id: uuid.UUID
    org_code: str
    template_version: str
    code: str
    text: str
    answer_type: LocalAnswerType
    required: bool
    retired_at: datetime | None = Field(
        description="When the question stopped being asked; null while it is live"
    )
    version: int
    created_at: datetime

    @classmethod
    def from_model(cls, question: LocalQuestion) -> Self:
        return cls(
            id=question.id,
            org_code=question.org_code,
            template_version=question.template_version,
            code=question.code,
            text=question.text,
            answer_type=LocalAnswerType(question.answer_type),
            required=question.required,
            retired_at=question.retired_at,
            version=question.version,
            created_at=question.created_at,
        )
