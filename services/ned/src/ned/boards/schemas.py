import uuid

from pydantic import BaseModel, ConfigDict, Field

from ned.boards.domain import AppointingBody, CommitteeRole, SeatRole
from shared.reference.organisations import OrgType


class SeatRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_code: str
    role: SeatRole
    title: str
    voting: bool
    committee_roles: list[CommitteeRole]
    holder_person_id: str | None = Field(
        description="The holder of the seat's active appointment; set only by an appointment "
        "taking effect"
    )
    appointing_body: AppointingBody | None = Field(
        default=None,
        description="Who appoints to this seat; null when the organisation appoints it itself",
    )
    version: int


class SeatCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: SeatRole
    title: str = Field(min_length=1, max_length=200, examples=["Non-executive director"])
    voting: bool | None = Field(
        default=None, description="Omit for the role's default (associate NEDs do not vote)"
    )
    committee_roles: list[CommitteeRole] = Field(default_factory=list, max_length=10)


class SeatUpdate(BaseModel):
    """The fields to change; the role of a seat is fixed (retire it and create another)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    voting: bool | None = None
    committee_roles: list[CommitteeRole] | None = Field(default=None, max_length=10)


class BoardRead(BaseModel):
    org_code: str = Field(examples=["RR8"])
    name: str
    org_type: OrgType
    region_code: str | None
    icb_code: str | None
    seats: list[SeatRead]
