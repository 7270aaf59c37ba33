import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ned.db import Base


class DiversityBaseline(Base):
    """An organisation's workforce (from ESR) or local population (census) by group, as
    headcounts: ``{"ethnicity": {"white": 5200, "bme": 2100, "unknown": 300}, ...}``."""

    __tablename__ = "diversity_baselines"

    org_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    counts: Mapped[dict[str, dict[str, int]]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class BoardCompositionPublication(Base):
    """A published board composition: counts after disclosure control only."""

    __tablename__ = "board_composition_publications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_code: Mapped[str] = mapped_column(String(10))
    as_of: Mapped[date] = mapped_column(Date)
    trigger: Mapped[str] = mapped_column(String(20))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    groups: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    voting_total: Mapped[int | None] = mapped_column(Integer)
    executive_total: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_board_composition_publications_org_published", "org_code", "published_at", "id"),
    )
