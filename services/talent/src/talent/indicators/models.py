import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base


class IndicatorPublication(Base):
    """One publication of an organisation's indicators for a period, after disclosure control.

    ``trigger`` is ``quarterly`` (at most one per organisation and period, by the unique index)
    or ``on_demand``.
    """

    __tablename__ = "indicator_publications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_code: Mapped[str] = mapped_column(String(5))
    period: Mapped[str] = mapped_column(String(7))
    trigger: Mapped[str] = mapped_column(String(10))
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    published_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        Index("ix_indicator_publications_org_code_published_at", "org_code", "published_at", "id"),
        Index(
            "uq_indicator_publications_quarterly",
            "org_code",
            "period",
            unique=True,
            postgresql_where=text("trigger = 'quarterly'"),
        ),
    )
