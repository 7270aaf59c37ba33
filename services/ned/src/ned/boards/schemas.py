import uuid

from pydantic import BaseModel, ConfigDict, Field

from ned.boards.domain import SeatRole
from shared.reference.organisations import OrgType


class SeatRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    role: SeatRole
    title: str
    voting: bool
    holder_person_id: str | None


class BoardRead(BaseModel):
    org_code: str = Field(examples=["RR8"])
    name: str
    org_type: OrgType
    region_code: str | None
    icb_code: str | None
    seats: list[SeatRead]
