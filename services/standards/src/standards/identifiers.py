"""Identifier types used across the service's API and event models."""

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

PERSON_ID_PATTERN = r"^[A-Za-z0-9-]{1,20}$"
ORG_CODE_PATTERN = r"^[A-Z0-9]{3,5}$"
PROGRAMME_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{1,39}$"
REASON_CODE_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"

# The employer HR system's person number (e.g. ESR): kept exactly as sent.
PersonId = Annotated[str, Field(pattern=PERSON_ID_PATTERN, examples=["10293847"])]


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


# ODS codes arrive in any case from HR extracts and people typing; stored upper case. The
# validator sits after the constraints so it runs first: "rr8" is normalised, then checked.
OrgCode = Annotated[
    str,
    StringConstraints(pattern=ORG_CODE_PATTERN),
    BeforeValidator(_upper),
    Field(examples=["RR8"]),
]

ProgrammeCode = Annotated[
    str,
    StringConstraints(pattern=PROGRAMME_CODE_PATTERN),
    BeforeValidator(_upper),
    Field(examples=["NLA-MARY-SEACOLE"]),
]

ReasonCode = Annotated[
    str,
    StringConstraints(pattern=REASON_CODE_PATTERN),
    Field(examples=["quality_review"]),
]


def _no_control_characters(value: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value


# A short human-readable name (a provider's, a title): trimmed, one line.
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_control_characters),
]
