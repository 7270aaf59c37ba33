import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ned.db import Base


class BoardReference(Base):
    """The standard reference written when someone leaves a board; kept until their 75th
    birthday (``retain_until``), then deleted by the retention job."""

    __tablename__ = "board_references"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str] = mapped_column(String(10))
    date_of_birth: Mapped[date] = mapped_column(Date)
    retain_until: Mapped[date] = mapped_column(Date, index=True)
    board_role: Mapped[str] = mapped_column(String(40))
    role_title: Mapped[str] = mapped_column(String(200))
    served_from: Mapped[date] = mapped_column(Date)
    served_to: Mapped[date] = mapped_column(Date)
    leaving_reason: Mapped[str] = mapped_column(String(30))
    # [{"kind": "complaint", "status": "discontinued", "raised_on": "2025-03-01", ...}]
    matters: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    fit_and_proper_concerns: Mapped[bool] = mapped_column(Boolean)
    statement: Mapped[str | None] = mapped_column(Text)
    referee_role: Mapped[str] = mapped_column(String(40))
    written_by: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_board_references_org_created", "org_code", "created_at", "id"),)


class ReferenceRelease(Base):
    """A release of a reference to a new employer: the release is its own audit record."""

    __tablename__ = "board_reference_releases"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    reference_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("board_references.id", ondelete="CASCADE"), index=True
    )
    to_org_code: Mapped[str] = mapped_column(String(10))
    purpose: Mapped[str] = mapped_column(String(30))
    released_by: Mapped[str] = mapped_column(Text)
    released_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
