import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from talent.indicators.events import PublishedIndicator


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class PublicationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_code: Annotated[
        str, BeforeValidator(_upper), Field(pattern=r"^[A-Z0-9]{3,5}$", examples=["RR8"])
    ]


class PublicationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_code: str
    period: str
    trigger: str
    indicators: list[PublishedIndicator]
    published_at: datetime
