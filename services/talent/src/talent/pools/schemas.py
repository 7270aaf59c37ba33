import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from talent.conversations.domain import ConversationOutcome
from talent.pools.domain import MembershipStatus, PoolScope
from talent.succession.domain import Level
from talent.succession.schemas import SINGLE_LINE

Code = Annotated[str, Field(min_length=1, max_length=60, pattern=SINGLE_LINE)]


def _upper(value: str | None) -> str | None:
    return value.upper() if value is not None else None


class PoolRules(BaseModel):
    """Conditions over profile data; every one given must hold."""

    model_config = ConfigDict(extra="forbid")

    bands: list[Annotated[str, Field(pattern=r"^([1-9]|8[a-d]|VSM|medical)$")]] = Field(
        default_factory=list, max_length=20, examples=[["8c", "8d", "9", "VSM"]]
    )
    staff_groups: list[Code] = Field(default_factory=list, max_length=20)
    performance_outcomes: list[Code] = Field(default_factory=list, max_length=10)
    behaviour_outcomes: list[Code] = Field(default_factory=list, max_length=10)
    aspiration_target_levels: list[Level] = Field(default_factory=list, max_length=6)
    eligible_for_levels: list[Level] = Field(default_factory=list, max_length=6)
    conversation_outcomes: list[ConversationOutcome] = Field(default_factory=list, max_length=6)


class PoolCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=3,
        max_length=200,
        pattern=SINGLE_LINE,
        examples=["Aspiring directors, North East"],
    )
    scope: PoolScope
    scope_code: Annotated[
        str | None, Field(default=None, pattern=r"^[A-Za-z0-9]{3,5}$"), AfterValidator(_upper)
    ] = Field(default=None, description="The organisation, ICB or region; none when national")
    rules: PoolRules

    @model_validator(mode="after")
    def _scope_code_matches_scope(self) -> "PoolCreate":
        if (self.scope is PoolScope.NATIONAL) != (self.scope_code is None):
            raise ValueError("scope_code is required unless the scope is national")
        return self


class PoolRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    scope: PoolScope
    scope_code: str | None
    rules: dict[str, Any]
    created_at: datetime
    version: int


class ProposalReport(BaseModel):
    considered: int = Field(description="People in the pool's scope and the token's reach")
    proposed: int = Field(description="New proposals made now")
    already_members: int


class MembershipRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    pool_id: uuid.UUID
    person_id: str
    org_code: str
    status: MembershipStatus
    proposal: dict[str, Any] = Field(description="The rules met when proposed, with evidence")
    decided_by: str | None
    decision_reason: str | None
    updated_at: datetime
    version: int


class MembershipTransition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: MembershipStatus
    reason: str | None = Field(default=None, min_length=3, max_length=500, pattern=SINGLE_LINE)


class MembershipChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    membership_id: uuid.UUID
    from_status: MembershipStatus | None
    to_status: MembershipStatus
    changed_by: str
    reason: str | None
    changed_at: datetime
