import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ReplayRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    consumer_group: str
    status: str = Field(
        description="requested, resetting, rebuilding, completed or failed",
        examples=["rebuilding"],
    )
    requested_by: str
    target_offsets: dict[str, Any] = Field(
        description="Per topic:partition, the offset the group had committed when rewound"
    )
    detail: str | None
    requested_at: datetime
    reset_at: datetime | None
    completed_at: datetime | None
